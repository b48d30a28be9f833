// SPDX-License-Identifier: BSD-3-Clause
// AES-128/256-GCM record engine (NIST SP 800-38D) to the ftls engine contract: 16 bytes in and
// 16 bytes out per clock once the pipeline is primed, several records in flight. Not for: nonce
// construction (the host interface builds the 96-bit nonce from the key slot and sequence
// number), ChaCha20-Poly1305 or CBC (other engines).
//
// Implementation notes.
//  - AES: fully unrolled, 15 register stages (AddRoundKey, then rounds 1..14; AES-128 stops
//    transforming after round 10 and the last four stages only carry the value), so one 128-bit
//    block enters and one leaves every clock. Latency is 15 clocks for both key sizes.
//  - Several jobs in flight (JobDepth, default 4): an accepted job goes into a small in-order
//    queue; the issuer starts a job's blocks as soon as the previous job's are issued, while the
//    GHASH side still works on an earlier job, so short records do not pay the pipeline latency
//    each. Out beats and dones stay in job order, and a job's out beats all leave before its
//    done (the next job's beats wait for that done).
//  - Key expansion: iterative, one round key per clock (10 or 13 clocks), and cached: a job whose
//    key and alg equal the cached ones joins the jobs in flight; a job with another key is taken
//    only when the engine is empty (its round keys replace the ones the pipeline uses), then
//    H = E_K(0) is computed once for it.
//  - flush_i (beyond the contract; the host interface pulses it on every KEY_CMD LOAD or ZEROIZE,
//    and reset sets it): once the jobs already accepted are done, the key, round keys, H, E_K(J0)s,
//    keystream FIFO, pipeline registers, GHASH state and job queue are zeroed, so nothing derived
//    from a key that was zeroized or replaced survives in the engine; the next job expands again.
//  - Blocks issued into the pipeline, in order: E_K(0) (only after a key change); per job
//    E_K(J0) -> a small FIFO (one per job), J0 = nonce || 1; then E_K(nonce || inc32(2 + i)) for
//    each payload block, into a 32-entry keystream FIFO shared by the jobs in order. Issue is
//    credit-limited (ks_credit_q counts blocks issued and not yet consumed), so the FIFO cannot
//    overflow although the pipeline never stalls.
//  - GHASH: one GF(2^128) multiply per clock, Y <- (Y ^ X) * H, with a single-cycle one-level
//    Karatsuba multiplier (three 64x64 carry-less products) and a two-step reduction. Because the
//    multiply completes within the clock, the feedback loop keeps up at one block per clock
//    without aggregated powers of H; the price is logic depth (see hw/SYNTH.md). The multiplier
//    is shared, in turn, by the AAD block, the ciphertext blocks and the length block.
//  - Tag check: done_ok = (Y ^ E_K(J0)) == job_tag, a full-width compare, so its time does not
//    depend on the data. Plaintext beats of an open leave before the check; the host interface
//    reports failure from done_ok.
module aes_gcm_engine
  import ftls_alg_pkg::*;
  import ftls_aes_pkg::*;
#(
  parameter int unsigned JobDepth = 4  // jobs accepted and not yet done (a power of two, >= 2)
) (
  input  logic         clk_i,
  input  logic         rst_ni,
  input  logic         job_valid_i,
  output logic         job_ready_o,
  input  logic         job_open_i,
  input  logic [3:0]   job_alg_i,
  input  logic [255:0] job_key_i,
  input  logic [383:0] job_mac_key_i,
  input  logic [95:0]  job_nonce_i,
  input  logic [127:0] job_iv_i,
  input  logic [103:0] job_aad_i,
  input  logic [3:0]   job_aad_len_i,
  input  logic [127:0] job_tag_i,
  input  logic [15:0]  job_len_i,
  input  logic         in_valid_i,
  output logic         in_ready_o,
  input  logic [127:0] in_data_i,
  input  logic         in_last_i,
  output logic         out_valid_o,
  input  logic         out_ready_i,
  output logic [127:0] out_data_o,
  output logic         out_last_o,
  output logic         done_valid_o,
  input  logic         done_ready_i,
  output logic         done_ok_o,
  output logic [15:0]  done_len_o,
  output logic [127:0] done_tag_o,
  // Beyond the engine contract: forget every cached key, round key, H and keystream block as
  // soon as the jobs already accepted are done (the host interface pulses it on KEY_CMD).
  input  logic         flush_i
);

  localparam int unsigned Stages = 15;
  localparam int unsigned KsDepth = 32;
  localparam int unsigned JW = $clog2(JobDepth);

  typedef enum logic [1:0] {KindH, KindJ0, KindKs} kind_e;

  // One accepted job: what the issuer and the GHASH side need of it.
  typedef struct packed {
    logic         open;
    logic [95:0]  nonce;
    logic [127:0] aad_blk;
    logic [3:0]   aad_len;
    logic [127:0] tag;
    logic [15:0]  len;
    logic [12:0]  nblk;        // payload blocks, ceil(len / 16)
    logic [3:0]   last_bytes;  // bytes in the last block, 0 meaning 16
  } job_t;

  // ---------------------------------------------------------------------------------------------
  function automatic logic [7:0] rcon_of(input logic [3:0] n);
    logic [7:0] r;
    r = 8'h01;
    for (int i = 1; i < 10; i++) if (i < 32'(n)) r = xtime(r);
    rcon_of = r;
  endfunction

  // Bytes [0, n) of a block kept, the rest zeroed (n = 0 keeps all 16).
  function automatic logic [127:0] keep_mask(input logic [3:0] n);
    logic [127:0] m;
    for (int i = 0; i < 16; i++) m[127 - 8 * i -: 8] = (n == 4'd0 || i < 32'(n)) ? 8'hFF : 8'h00;
    keep_mask = m;
  endfunction

  // ---------------------------------------------------------------------------------------------
  // Jobs: written at jwr_q, issued from jis_q, hashed and completed at jhd_q (all in order).
  job_t         jobs_q [JobDepth];
  logic [JW-1:0] jwr_q, jis_q, jhd_q;
  logic [JW:0]  jcnt_q;       // accepted, not done
  logic [JW:0]  icnt_q;       // accepted, not completely issued
  job_t         ij, hj;       // the job being issued, the job at the head
  assign ij = jobs_q[jis_q];
  assign hj = jobs_q[jhd_q];

  // Key cache.
  logic         aes256_q;
  logic [255:0] key_q;
  logic         key_valid_q, kx_busy_q;
  logic [127:0] rk_q [Stages];
  logic [3:0]   kx_step_q;    // round key being computed
  logic         flush_pend_q;

  // Pipeline.
  logic [127:0] st_q [Stages];
  logic [Stages-1:0] stv_q;
  kind_e        stk_q [Stages];
  logic         h_issued_q, j0_issued_q;
  logic [12:0]  issued_q;     // keystream blocks issued for the job at jis_q
  logic [5:0]   ks_credit_q;  // keystream blocks issued and not consumed

  logic [127:0] h_q;
  logic         h_valid_q;

  // E_K(J0) per job, in job order.
  logic [127:0] ej0_mem_q [JobDepth];
  logic [JW-1:0] ej0_rd_q, ej0_wr_q;
  logic [JW:0]  ej0_cnt_q;

  // Keystream FIFO (blocks of successive jobs, in order).
  logic [127:0] ks_mem_q [KsDepth];
  logic [4:0]   ks_rd_q, ks_wr_q;
  logic [5:0]   ks_cnt_q;

  // GHASH of the job at the head.
  logic [127:0] y_q;
  logic         aad_done_q, len_done_q;
  logic [12:0]  consumed_q;   // payload blocks consumed

  // Output register.
  logic         out_valid_q, out_last_q;
  logic [127:0] out_data_q;

  // ---------------------------------------------------------------------------------------------
  logic job_fire, data_fire, issue, issue_ks, kx_last, key_hit, data_done, aad_fire, len_fire;
  logic run, aad_ok, done_fire, iss_job_done, flush_now;
  logic [127:0] issue_blk, ks_head, data_mask, in_masked, out_next, ct_blk, gh_x, gh_y;
  kind_e issue_kind;
  logic [3:0] nr;

  assign nr = aes256_q ? 4'd14 : 4'd10;
  assign key_hit = key_valid_q && (job_key_i == key_q) &&
                   ((job_alg_i == AlgAes256Gcm) == aes256_q);
  // A job with the cached key joins those in flight; another key waits until the engine is
  // empty (its round keys replace the ones the pipeline is using).
  assign job_ready_o = !flush_pend_q && !kx_busy_q && !jcnt_q[JW] &&
                       (key_hit || jcnt_q == '0);
  assign job_fire = job_valid_i && job_ready_o;
  assign kx_last = (kx_step_q == nr);
  assign flush_now = flush_pend_q && jcnt_q == '0 && !kx_busy_q && stv_q == '0 && !out_valid_q;

  // Issue: E_K(0) after a key change, then per job E_K(J0) and its keystream.
  always_comb begin
    issue = 1'b0;
    issue_ks = 1'b0;
    issue_kind = KindKs;
    issue_blk = {ij.nonce, 32'd2 + {19'd0, issued_q}};
    iss_job_done = 1'b0;
    if (key_valid_q) begin
      if (!h_valid_q && !h_issued_q) begin
        issue = 1'b1;
        issue_kind = KindH;
        issue_blk = '0;
      end else if (icnt_q != '0) begin
        if (!j0_issued_q) begin
          issue = 1'b1;
          issue_kind = KindJ0;
          issue_blk = {ij.nonce, 32'd1};
          iss_job_done = (ij.nblk == 13'd0);
        end else if (issued_q != ij.nblk && ks_credit_q < 6'(KsDepth)) begin
          issue = 1'b1;
          issue_ks = 1'b1;
          iss_job_done = (issued_q + 13'd1 == ij.nblk);
        end
      end
    end
  end

  assign run = (jcnt_q != '0) && h_valid_q;
  assign aad_ok = aad_done_q || hj.aad_len == 4'd0;
  assign ks_head = ks_mem_q[ks_rd_q];
  assign data_done = (consumed_q == hj.nblk);
  assign in_ready_o = run && aad_ok && !data_done && (ks_cnt_q != 6'd0) &&
                      (!out_valid_q || out_ready_i);
  assign data_fire = in_valid_i && in_ready_o;
  assign data_mask = (consumed_q == hj.nblk - 13'd1) ? keep_mask(hj.last_bytes) : '1;
  assign in_masked = in_data_i & data_mask;
  assign out_next = (in_data_i ^ ks_head) & data_mask;
  assign ct_blk = hj.open ? in_masked : out_next;
  assign aad_fire = run && !aad_ok;
  assign len_fire = run && aad_ok && data_done && !len_done_q;

  always_comb begin
    gh_x = ct_blk;
    if (aad_fire) gh_x = hj.aad_blk;
    else if (len_fire) gh_x = {57'h0, hj.aad_len, 3'b0, 45'h0, hj.len, 3'b0};
  end
  assign gh_y = gf_mul(y_q ^ gh_x, h_q);

  logic [127:0] tag;
  assign tag = y_q ^ ej0_mem_q[ej0_rd_q];
  assign done_valid_o = run && len_done_q && (ej0_cnt_q != '0) && !out_valid_q;
  assign done_fire = done_valid_o && done_ready_i;
  assign done_tag_o = tag;
  assign done_ok_o = !hj.open || (tag == hj.tag);
  assign done_len_o = hj.len;

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      jwr_q <= '0;
      jis_q <= '0;
      jhd_q <= '0;
      jcnt_q <= '0;
      icnt_q <= '0;
      key_valid_q <= 1'b0;
      kx_busy_q <= 1'b0;
      flush_pend_q <= 1'b1;  // the first idle clock after reset forgets every key
      h_valid_q <= 1'b0;
      h_issued_q <= 1'b0;
      j0_issued_q <= 1'b0;
      issued_q <= '0;
      ks_credit_q <= '0;
      ks_rd_q <= '0;
      ks_wr_q <= '0;
      ks_cnt_q <= '0;
      ej0_rd_q <= '0;
      ej0_wr_q <= '0;
      ej0_cnt_q <= '0;
      aad_done_q <= 1'b0;
      len_done_q <= 1'b0;
      consumed_q <= '0;
      out_valid_q <= 1'b0;
      out_last_q <= 1'b0;
      kx_step_q <= '0;
      stv_q <= '0;
    end else begin
      // Accept.
      if (job_fire) begin
        // job_t in field order: open, nonce, aad_blk, aad_len, tag, len, nblk, last_bytes.
        jobs_q[jwr_q] <= {
          job_open_i,
          job_nonce_i,
          {job_aad_i, 24'h0} & keep_mask(job_aad_len_i > 4'd13 ? 4'd13 : job_aad_len_i),
          job_aad_len_i > 4'd13 ? 4'd13 : job_aad_len_i,
          job_tag_i,
          job_len_i,
          13'((job_len_i + 16'd15) >> 4),
          job_len_i[3:0]
        };
        jwr_q <= jwr_q + 1'b1;
        if (!key_hit) begin
          aes256_q <= (job_alg_i == AlgAes256Gcm);
          key_q <= job_key_i;
          key_valid_q <= 1'b0;
          kx_busy_q <= 1'b1;
          h_valid_q <= 1'b0;
          h_issued_q <= 1'b0;
          rk_q[0] <= job_key_i[255:128];
          rk_q[1] <= job_key_i[127:0];
          kx_step_q <= (job_alg_i == AlgAes256Gcm) ? 4'd2 : 4'd1;
        end
      end
      jcnt_q <= jcnt_q + {{JW{1'b0}}, job_fire} - {{JW{1'b0}}, done_fire};
      icnt_q <= icnt_q + {{JW{1'b0}}, job_fire} - {{JW{1'b0}}, iss_job_done};

      if (kx_busy_q) begin
        rk_q[kx_step_q] <= aes256_q ?
            key_step(rk_q[kx_step_q - 4'd2], rk_q[kx_step_q - 4'd1][31:0], !kx_step_q[0],
                     rcon_of({1'b0, kx_step_q[3:1]})) :
            key_step(rk_q[kx_step_q - 4'd1], rk_q[kx_step_q - 4'd1][31:0], 1'b1, rcon_of(kx_step_q));
        kx_step_q <= kx_step_q + 4'd1;
        if (kx_last) begin
          key_valid_q <= 1'b1;
          kx_busy_q <= 1'b0;
        end
      end

      // Issue.
      stv_q <= {stv_q[Stages-2:0], issue};
      if (issue && issue_kind == KindH) h_issued_q <= 1'b1;
      if (issue && issue_kind == KindJ0) j0_issued_q <= 1'b1;
      if (issue_ks) issued_q <= issued_q + 13'd1;
      if (iss_job_done) begin
        jis_q <= jis_q + 1'b1;
        j0_issued_q <= 1'b0;
        issued_q <= '0;
      end
      ks_credit_q <= ks_credit_q + {5'd0, issue_ks} - {5'd0, data_fire};

      // Pipeline output.
      if (stv_q[Stages - 1]) begin
        unique case (stk_q[Stages - 1])
          KindH: begin
            h_q <= st_q[Stages - 1];
            h_valid_q <= 1'b1;
          end
          KindJ0: begin
            ej0_mem_q[ej0_wr_q] <= st_q[Stages - 1];
            ej0_wr_q <= ej0_wr_q + 1'b1;
          end
          default: begin
            ks_mem_q[ks_wr_q] <= st_q[Stages - 1];
            ks_wr_q <= ks_wr_q + 5'd1;
          end
        endcase
      end
      ej0_cnt_q <= ej0_cnt_q + {{JW{1'b0}}, stv_q[Stages - 1] && stk_q[Stages - 1] == KindJ0} -
                   {{JW{1'b0}}, done_fire};
      if (done_fire) ej0_rd_q <= ej0_rd_q + 1'b1;
      ks_cnt_q <= ks_cnt_q + {5'd0, stv_q[Stages - 1] && stk_q[Stages - 1] == KindKs} -
                  {5'd0, data_fire};
      if (data_fire) ks_rd_q <= ks_rd_q + 5'd1;

      // GHASH of the head job; its done moves the head on.
      if (aad_fire || len_fire || data_fire) y_q <= gh_y;
      if (aad_fire) aad_done_q <= 1'b1;
      if (len_fire) len_done_q <= 1'b1;
      if (data_fire) consumed_q <= consumed_q + 13'd1;
      if (done_fire) begin
        jhd_q <= jhd_q + 1'b1;
        y_q <= '0;
        aad_done_q <= 1'b0;
        len_done_q <= 1'b0;
        consumed_q <= '0;
      end

      // Output register.
      if (data_fire) begin
        out_valid_q <= 1'b1;
        out_data_q <= out_next;
        out_last_q <= (consumed_q == hj.nblk - 13'd1);
      end else if (out_ready_i) begin
        out_valid_q <= 1'b0;
      end

      // Flush: every register that held key material or anything computed from it.
      if (flush_now) begin
        flush_pend_q <= 1'b0;
        key_q <= '0;
        key_valid_q <= 1'b0;
        h_q <= '0;
        h_valid_q <= 1'b0;
        h_issued_q <= 1'b0;
        y_q <= '0;
        out_data_q <= '0;
        for (int i = 0; i < int'(Stages); i++) rk_q[i] <= '0;
        for (int i = 0; i < int'(JobDepth); i++) begin
          ej0_mem_q[i] <= '0;
          jobs_q[i] <= '0;
        end
        for (int i = 0; i < int'(KsDepth); i++) ks_mem_q[i] <= '0;
      end
      if (flush_i) flush_pend_q <= 1'b1;
    end
  end

  // Pipeline: stage 0 is AddRoundKey, stage r (1..14) round r; AES-128 carries after round 10.
  // A flush empties it too (the last blocks of a job are keystream).
  always_ff @(posedge clk_i) begin
    stk_q[0] <= issue_kind;
    st_q[0] <= flush_now ? '0 : issue_blk ^ rk_q[0];
  end
  for (genvar r = 1; r < Stages; r++) begin : g_round
    always_ff @(posedge clk_i) begin
      stk_q[r] <= stk_q[r - 1];
      if (flush_now) st_q[r] <= '0;
      else st_q[r] <= (4'(r) <= nr) ? enc_round(st_q[r - 1], rk_q[r], 4'(r) == nr) : st_q[r - 1];
    end
  end

  assign out_valid_o = out_valid_q;
  assign out_data_o = out_data_q;
  assign out_last_o = out_last_q;

  // The contract's MAC key, CBC IV and last flag are not used by GCM: the beat count comes from
  // job_len.
  // The issuer uses only a job's nonce and block count, the GHASH side everything but the nonce.
  logic unused;
  assign unused = ^{job_mac_key_i, job_iv_i, in_last_i, ij, hj.nonce};

endmodule
