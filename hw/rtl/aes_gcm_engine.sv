// SPDX-License-Identifier: BSD-3-Clause
// AES-128/256-GCM record engine (NIST SP 800-38D) to the ftls engine contract: one record per
// job, 16 bytes in and 16 bytes out per clock once the pipeline is primed. Not for: nonce
// construction (the host interface builds the 96-bit nonce from the key slot and sequence
// number), ChaCha20-Poly1305 or CBC (other engines).
//
// Implementation notes.
//  - AES: fully unrolled, 15 register stages (AddRoundKey, then rounds 1..14; AES-128 stops
//    transforming after round 10 and the last four stages only carry the value), so one 128-bit
//    block enters and one leaves every clock. Latency is 15 clocks for both key sizes.
//  - Key expansion: iterative, one round key per clock (10 or 13 clocks), and cached: a job whose
//    key and alg equal the previous job's skips it together with H = E_K(0). Round keys are held
//    in rk_q for the whole job; the pipeline is empty between jobs (a job issues exactly the
//    blocks it consumes), so changing rk_q between jobs is safe. The cache outlives the job: a
//    key slot's zeroize does not reach it (the engine contract has no flush); the next job with
//    another key overwrites it, and reset clears its valid bit.
//  - Blocks issued into the pipeline, in order: E_K(0) (only after a key change) -> h_q;
//    E_K(J0) -> ej0_q, J0 = nonce || 1; then E_K(nonce || inc32(2 + i)) for each payload block,
//    into a 32-entry keystream FIFO. Issue is credit-limited (ks_credit_q counts blocks issued
//    and not yet consumed), so the FIFO cannot overflow although the pipeline never stalls.
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
(
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
  output logic [127:0] done_tag_o
);

  localparam int unsigned Stages = 15;
  localparam int unsigned KsDepth = 32;

  typedef enum logic [1:0] {StIdle, StKeyExp, StRun, StDone} state_e;
  typedef enum logic [1:0] {KindH, KindJ0, KindKs} kind_e;

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
  state_e state_q, state_d;

  // Job registers.
  logic         open_q;
  logic         aes256_q;
  logic [95:0]  nonce_q;
  logic [127:0] aad_blk_q;
  logic [3:0]   aad_len_q;
  logic [127:0] tag_in_q;
  logic [15:0]  len_q;
  logic [12:0]  nblk_q;       // payload blocks, ceil(len / 16)
  logic [3:0]   last_bytes_q; // bytes in the last block, 0 meaning 16

  // Key cache.
  logic [255:0] key_q;
  logic         key_valid_q;
  logic [127:0] rk_q [Stages];
  logic [3:0]   kx_step_q;    // round key being computed

  // Pipeline.
  logic [127:0] st_q [Stages];
  logic [Stages-1:0] stv_q;
  kind_e        stk_q [Stages];
  logic         h_issued_q, j0_issued_q;
  logic [12:0]  issued_q;     // keystream blocks issued
  logic [5:0]   ks_credit_q;  // keystream blocks issued and not consumed

  logic [127:0] h_q, ej0_q;
  logic         h_valid_q, ej0_valid_q;

  // Keystream FIFO.
  logic [127:0] ks_mem_q [KsDepth];
  logic [4:0]   ks_rd_q, ks_wr_q;
  logic [5:0]   ks_cnt_q;

  // GHASH.
  logic [127:0] y_q;
  logic         aad_done_q, len_done_q;
  logic [12:0]  consumed_q;   // payload blocks consumed

  // Output register.
  logic         out_valid_q, out_last_q;
  logic [127:0] out_data_q;

  // ---------------------------------------------------------------------------------------------
  logic job_fire, data_fire, issue, issue_ks, kx_last, key_hit, data_done, aad_fire, len_fire;
  logic [127:0] issue_blk, ks_head, data_mask, in_masked, out_next, ct_blk, gh_x, gh_y;
  kind_e issue_kind;
  logic [3:0] nr;

  assign nr = aes256_q ? 4'd14 : 4'd10;
  assign job_ready_o = (state_q == StIdle);
  assign job_fire = job_valid_i && job_ready_o;
  assign key_hit = key_valid_q && (job_key_i == key_q) &&
                   ((job_alg_i == AlgAes256Gcm) == aes256_q);
  assign kx_last = (kx_step_q == nr);

  // Issue: E_K(0) after a key change, then E_K(J0), then the keystream.
  always_comb begin
    issue = 1'b0;
    issue_ks = 1'b0;
    issue_kind = KindKs;
    issue_blk = {nonce_q, 32'd2 + {19'd0, issued_q}};
    if (state_q == StRun) begin
      if (!h_valid_q && !h_issued_q) begin
        issue = 1'b1;
        issue_kind = KindH;
        issue_blk = '0;
      end else if (!j0_issued_q) begin
        issue = 1'b1;
        issue_kind = KindJ0;
        issue_blk = {nonce_q, 32'd1};
      end else if (issued_q != nblk_q && ks_credit_q < 6'(KsDepth)) begin
        issue = 1'b1;
        issue_ks = 1'b1;
      end
    end
  end

  assign ks_head = ks_mem_q[ks_rd_q];
  assign data_done = (consumed_q == nblk_q);
  assign in_ready_o = (state_q == StRun) && h_valid_q && aad_done_q && !data_done &&
                      (ks_cnt_q != 6'd0) && (!out_valid_q || out_ready_i);
  assign data_fire = in_valid_i && in_ready_o;
  assign data_mask = (consumed_q == nblk_q - 13'd1) ? keep_mask(last_bytes_q) : '1;
  assign in_masked = in_data_i & data_mask;
  assign out_next = (in_data_i ^ ks_head) & data_mask;
  assign ct_blk = open_q ? in_masked : out_next;
  assign aad_fire = (state_q == StRun) && h_valid_q && !aad_done_q;
  assign len_fire = (state_q == StRun) && h_valid_q && aad_done_q && data_done && !len_done_q;

  always_comb begin
    gh_x = ct_blk;
    if (aad_fire) gh_x = aad_blk_q;
    else if (len_fire) gh_x = {57'h0, aad_len_q, 3'b0, 45'h0, len_q, 3'b0};
  end
  assign gh_y = gf_mul(y_q ^ gh_x, h_q);

  always_comb begin
    state_d = state_q;
    unique case (state_q)
      StIdle:   if (job_fire) state_d = key_hit ? StRun : StKeyExp;
      StKeyExp: if (kx_last) state_d = StRun;
      StRun:    if (len_done_q && ej0_valid_q && !out_valid_q) state_d = StDone;
      StDone:   if (done_ready_i) state_d = StIdle;
      default:  state_d = StIdle;
    endcase
  end

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      state_q <= StIdle;
      key_valid_q <= 1'b0;
      h_valid_q <= 1'b0;
      ej0_valid_q <= 1'b0;
      h_issued_q <= 1'b0;
      j0_issued_q <= 1'b0;
      issued_q <= '0;
      ks_credit_q <= '0;
      ks_rd_q <= '0;
      ks_wr_q <= '0;
      ks_cnt_q <= '0;
      aad_done_q <= 1'b0;
      len_done_q <= 1'b0;
      consumed_q <= '0;
      out_valid_q <= 1'b0;
      out_last_q <= 1'b0;
      kx_step_q <= '0;
      stv_q <= '0;
    end else begin
      state_q <= state_d;

      if (job_fire) begin
        open_q <= job_open_i;
        aes256_q <= (job_alg_i == AlgAes256Gcm);
        nonce_q <= job_nonce_i;
        aad_blk_q <= {job_aad_i, 24'h0} & keep_mask(job_aad_len_i > 4'd13 ? 4'd13 : job_aad_len_i);
        aad_len_q <= job_aad_len_i > 4'd13 ? 4'd13 : job_aad_len_i;
        tag_in_q <= job_tag_i;
        len_q <= job_len_i;
        nblk_q <= 13'((job_len_i + 16'd15) >> 4);
        last_bytes_q <= job_len_i[3:0];
        h_issued_q <= 1'b0;
        j0_issued_q <= 1'b0;
        ej0_valid_q <= 1'b0;
        issued_q <= '0;
        consumed_q <= '0;
        aad_done_q <= (job_aad_len_i == 4'd0);
        len_done_q <= 1'b0;
        y_q <= '0;
        if (!key_hit) begin
          key_q <= job_key_i;
          key_valid_q <= 1'b0;
          h_valid_q <= 1'b0;
          rk_q[0] <= job_key_i[255:128];
          rk_q[1] <= job_key_i[127:0];
          kx_step_q <= (job_alg_i == AlgAes256Gcm) ? 4'd2 : 4'd1;
        end
      end

      if (state_q == StKeyExp) begin
        rk_q[kx_step_q] <= aes256_q ?
            key_step(rk_q[kx_step_q - 4'd2], rk_q[kx_step_q - 4'd1][31:0], !kx_step_q[0],
                     rcon_of({1'b0, kx_step_q[3:1]})) :
            key_step(rk_q[kx_step_q - 4'd1], rk_q[kx_step_q - 4'd1][31:0], 1'b1, rcon_of(kx_step_q));
        kx_step_q <= kx_step_q + 4'd1;
        if (kx_last) key_valid_q <= 1'b1;
      end

      stv_q <= {stv_q[Stages-2:0], issue};
      if (issue && issue_kind == KindH) h_issued_q <= 1'b1;
      if (issue && issue_kind == KindJ0) j0_issued_q <= 1'b1;
      if (issue_ks) issued_q <= issued_q + 13'd1;
      ks_credit_q <= ks_credit_q + {5'd0, issue_ks} - {5'd0, data_fire};

      // Pipeline output.
      if (stv_q[Stages - 1]) begin
        unique case (stk_q[Stages - 1])
          KindH: begin
            h_q <= st_q[Stages - 1];
            h_valid_q <= 1'b1;
          end
          KindJ0: begin
            ej0_q <= st_q[Stages - 1];
            ej0_valid_q <= 1'b1;
          end
          default: begin
            ks_mem_q[ks_wr_q] <= st_q[Stages - 1];
            ks_wr_q <= ks_wr_q + 5'd1;
          end
        endcase
      end
      ks_cnt_q <= ks_cnt_q + {5'd0, stv_q[Stages - 1] && stk_q[Stages - 1] == KindKs} -
                  {5'd0, data_fire};
      if (data_fire) ks_rd_q <= ks_rd_q + 5'd1;

      // GHASH.
      if (aad_fire || len_fire || data_fire) y_q <= gh_y;
      if (aad_fire) aad_done_q <= 1'b1;
      if (len_fire) len_done_q <= 1'b1;
      if (data_fire) consumed_q <= consumed_q + 13'd1;

      // Output register.
      if (data_fire) begin
        out_valid_q <= 1'b1;
        out_data_q <= out_next;
        out_last_q <= (consumed_q == nblk_q - 13'd1);
      end else if (out_ready_i) begin
        out_valid_q <= 1'b0;
      end
    end
  end

  // Pipeline: stage 0 is AddRoundKey, stage r (1..14) round r; AES-128 carries after round 10.
  always_ff @(posedge clk_i) begin
    stk_q[0] <= issue_kind;
    st_q[0] <= issue_blk ^ rk_q[0];
  end
  for (genvar r = 1; r < Stages; r++) begin : g_round
    always_ff @(posedge clk_i) begin
      stk_q[r] <= stk_q[r - 1];
      st_q[r] <= (4'(r) <= nr) ? enc_round(st_q[r - 1], rk_q[r], 4'(r) == nr) : st_q[r - 1];
    end
  end

  assign out_valid_o = out_valid_q;
  assign out_data_o = out_data_q;
  assign out_last_o = out_last_q;

  logic [127:0] tag;
  assign tag = y_q ^ ej0_q;
  assign done_valid_o = (state_q == StDone);
  assign done_tag_o = tag;
  assign done_ok_o = !open_q || (tag == tag_in_q);
  assign done_len_o = len_q;

  // The contract's MAC key, CBC IV and last flag are not used by GCM: the beat count comes from
  // job_len.
  logic unused;
  assign unused = ^{job_mac_key_i, job_iv_i, in_last_i};

endmodule
