// SPDX-License-Identifier: Apache-2.0
// AES-CBC + HMAC record engine for the TLS 1.2 MAC-then-encrypt suites (RFC 5246 §6.2.3.2):
// AES-128/256-CBC with HMAC-SHA-1 or HMAC-SHA-256, behind the common record-engine port list.
// Seal: plaintext in; HMAC over aad(13) || plaintext, then plaintext || MAC || padding encrypted in
// CBC under job_iv_i; out = the ciphertext blocks. Open: ciphertext after the explicit IV in;
// out = every decrypted block; done_ok_o = padding and MAC good, checked in a number of clocks that
// depends only on job_len (and on other jobs). It does not write the explicit IV, pick IVs or keep
// keys between jobs. Several records are in flight at once; out beats and completions stay in
// job order.
//
// Implementation notes.
// - Why contexts. CBC encryption and HMAC are serial chains inside one record: one record can use
//   one AES block slot every 10 (AES-128) or 14 (AES-256) clocks and one SHA core. The engine
//   fills a round-per-stage AES pipeline by interleaving K records ("contexts", cbc_ctx), each
//   with its own round keys, chaining value, SHA-1 and SHA-256 cores and record buffer.
// - Job flow. A job is accepted whenever a context is free (job_ready_o), even while earlier
//   records are still loading or being processed; contexts are used as a ring in job order.
//   Input beats go to the oldest record that still expects beats. Seal beats are written to its
//   buffer (held back for the clock on which one of that record's blocks comes back and takes the
//   write port); open beats enter the AES pipeline as they arrive (CBC decryption has no chain)
//   once the context's round keys are expanded (one per clock from accept, alongside earlier
//   loads, into the pipeline's key memories; one context writes per clock, round robin, and a
//   freed context first wipes its keys there). Each clock the pipeline takes one block: an open input beat first, else the next
//   block of a sealing context (round robin among those whose previous block has come out).
// - Per record (cbc_ctx): the HMAC ipad and opad blocks are hashed during the load; seal hashes
//   the plaintext from the buffer as it arrives while its CBC blocks go through the pipeline one
//   at a time (each ciphertext written back over its plaintext once hashed), then the MAC and
//   padding blocks; open, after the last block is decrypted, hashes a number of blocks that
//   depends only on job_len, keeps the chaining value after the real last block by a mux, and
//   compares MAC and padding by position over a fixed 18-word tail window (the Lucky13
//   countermeasure). Every loop bound in open comes from job_len; the pad value only steers
//   muxes; a context's buffer port is never contended by data-dependent requests in open.
// - Output. The oldest record drains its buffer (seal: the ciphertext; open: every decrypted
//   block) through a 4-entry FIFO once it is finished; its completion follows its last beat, and
//   the next record drains after the completion is taken.
// - Sizes (K = 8): 8 x 1156 x 128-bit buffers (148 KiB), 8 SHA-1 + 8 SHA-256 cores (2 rounds per
//   clock), 8 key schedules, one 14-stage AES pipeline (an encrypt and a decrypt round per stage)
//   whose stages hold the contexts' round keys in small memories (15 x 2 x 8 x 128 bits). A CBC chain issues one block per 11 (AES-128) / 15 (AES-256) clocks,
//   so K = 8 fills at most 8/11 of the pipeline when every record seals.
// - Rates measured by hw/tb/cbc_tb.cpp, 16 records back to back (48 for 64 B), payload bits per
//   clock, seal / open, with the single-context engine it replaced in brackets:
//     16 KiB  AES128-SHA 64.3 / 63.2 (11.4 / 5.9)   AES256-SHA 51.6 / 63.1 (8.4 / 5.0)
//             AES128-SHA256 64.3 / 72.1 (11.5 / 6.5) AES256-SHA256 51.6 / 72.0 (8.5 / 5.4)
//     1 KiB   AES128-SHA 55.8 / 52.8   AES256-SHA 47.4 / 51.9   AES128-SHA256 58.7 / 59.4
//             AES256-SHA256 47.0 / 58.3 (single-context: 4.5 - 9.4)
//     64 B    15.6 - 18.9 (single-context: 2.0 - 2.5)
//   (Round keys in the pipeline's memories, written through one port and wiped per record, cost
//   up to 3 % at 1 KiB and 64 B against round-key registers in each context.)
//   One record alone is about as fast as before (a CBC block still takes 11 / 15 clocks, now in
//   the pipeline instead of the iterative core); the gain is all from records overlapping.
// - Protocol errors (unknown alg, aad_len not 13, open job_len not a multiple of 16 or too long
//   for the buffer, a seal whose output would not fit the buffer, in_last_i on the wrong beat) run
//   the job to completion and give done_ok_o = 0; a record too long for the buffer gives no out
//   beats. Open failures report done_len_o = 0.
module cbc_hmac_engine
  import ftls_alg_pkg::*;
#(
  parameter int unsigned K = 8,                // record contexts
  // Per-context buffer: 18496 bytes holds the largest fragment (2^14 + 2048) and the seal of the
  // largest descriptor (18432 B plus MAC and padding).
  parameter int unsigned BufWords = 1156,
  parameter int unsigned ShaRoundsPerClk = 2   // SHA-1 and SHA-256 rounds per clock: 1, 2 or 4
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
  output logic [127:0] done_tag_o
);
  localparam int unsigned CW = $clog2(K);
  localparam int unsigned NW = $clog2(K + 1);

  function automatic logic [CW-1:0] inc(logic [CW-1:0] x);
    inc = (32'(x) == K - 1) ? '0 : x + CW'(1);
  endfunction

  // Context ring: hd (oldest, draining next), ld (oldest still loading), al (next to allocate).
  logic [CW-1:0] hd_q, ld_q, al_q, rr_q;
  logic [NW-1:0] cnt_q, nld_q;

  // Per-context signals.
  logic [K-1:0]  c_start, c_ld_fire, c_ld_more, c_open, c_a256, c_key_ready, c_rq_valid;
  logic [K-1:0]  c_rq_grant, c_ex_valid, c_fin, c_ok, c_free;
  logic [12:0]   c_ld_idx [K];
  logic [127:0]  c_prev [K];
  logic [127:0]  c_rq_data [K];
  logic [12:0]   c_rq_idx [K];
  logic [K-1:0]  c_kw_valid, c_kw_zero, c_kw_grant;
  logic [3:0]    c_kw_idx [K];
  logic [127:0]  c_kw_key [K];
  logic [12:0]   c_nout [K];
  logic [15:0]   c_len [K];
  logic [127:0]  c_rdata [K];

  // Pipeline.
  logic          p_in_valid, p_in_dec, p_in_a256, p_can128, p_out_valid;
  logic [CW-1:0] p_in_ctx, p_out_ctx;
  logic [12:0]   p_in_tag, p_out_tag;
  logic [127:0]  p_in_blk, p_in_mask, p_out_blk;
  logic          p_kw_valid, p_kw_ready;
  logic [CW-1:0] p_kw_ctx, kw_rr_q;

  aes_pipe #(.K(K), .TagW(13)) u_pipe (
    .clk_i, .rst_ni,
    .kw_valid_i  (p_kw_valid),
    .kw_zero_i   (c_kw_zero[p_kw_ctx]),
    .kw_ctx_i    (p_kw_ctx),
    .kw_a256_i   (c_a256[p_kw_ctx]),
    .kw_idx_i    (c_kw_idx[p_kw_ctx]),
    .kw_key_i    (c_kw_key[p_kw_ctx]),
    .kw_ready_o  (p_kw_ready),
    .in_valid_i  (p_in_valid),
    .in_dec_i    (p_in_dec),
    .in_a256_i   (p_in_a256),
    .in_ctx_i    (p_in_ctx),
    .in_tag_i    (p_in_tag),
    .in_blk_i    (p_in_blk),
    .in_mask_i   (p_in_mask),
    .can128_o    (p_can128),
    .out_valid_o (p_out_valid),
    .out_ctx_o   (p_out_ctx),
    .out_tag_o   (p_out_tag),
    .out_blk_o   (p_out_blk)
  );

  // Drain state.
  logic [12:0]  dr_i_q;        // next buffer word to read
  logic         dr_pend_q, dr_pend_last_q, dr_rd;
  logic [127:0] of_data_q [4];
  logic [3:0]   of_last_q;
  logic [1:0]   of_rp_q, of_wp_q;
  logic [2:0]   of_cnt_q;
  logic         of_pop, hd_fin, drained;

  for (genvar g = 0; g < K; g++) begin : g_ctx
    cbc_ctx #(.BufWords(BufWords), .ShaRoundsPerClk(ShaRoundsPerClk)) u_ctx (
      .clk_i, .rst_ni,
      .start_i       (c_start[g]),
      .job_open_i, .job_alg_i, .job_key_i, .job_mac_key_i, .job_iv_i, .job_aad_i,
      .job_aad_len_i, .job_len_i,
      .ld_fire_i     (c_ld_fire[g]),
      .ld_data_i     (in_data_i),
      .ld_last_i     (in_last_i),
      .ld_more_o     (c_ld_more[g]),
      .open_o        (c_open[g]),
      .a256_o        (c_a256[g]),
      .key_ready_o   (c_key_ready[g]),
      .ld_idx_o      (c_ld_idx[g]),
      .prev_o        (c_prev[g]),
      .rq_valid_o    (c_rq_valid[g]),
      .rq_data_o     (c_rq_data[g]),
      .rq_idx_o      (c_rq_idx[g]),
      .rq_grant_i    (c_rq_grant[g]),
      .ex_valid_i    (c_ex_valid[g]),
      .ex_data_i     (p_out_blk),
      .ex_idx_i      (p_out_tag),
      .kw_valid_o    (c_kw_valid[g]),
      .kw_zero_o     (c_kw_zero[g]),
      .kw_idx_o      (c_kw_idx[g]),
      .kw_key_o      (c_kw_key[g]),
      .kw_grant_i    (c_kw_grant[g]),
      .fin_o         (c_fin[g]),
      .nout_o        (c_nout[g]),
      .ok_o          (c_ok[g]),
      .len_o         (c_len[g]),
      .dr_rd_i       (dr_rd && hd_q == CW'(g)),
      .dr_addr_i     (dr_i_q),
      .rdata_o       (c_rdata[g]),
      .free_i        (c_free[g])
    );
    assign c_start[g]    = job_valid_i && job_ready_o && al_q == CW'(g);
    assign c_ld_fire[g]  = in_valid_i && in_ready_o && ld_q == CW'(g);
    assign c_ex_valid[g] = p_out_valid && p_out_ctx == CW'(g);
    assign c_free[g]     = done_valid_o && done_ready_i && hd_q == CW'(g);
  end

  // ---------------------------------------------------------------------------------------------
  // Jobs and input.
  logic ld_act, ld_open_ok, in_fire;
  assign job_ready_o = (cnt_q < NW'(K));
  assign ld_act      = (nld_q != '0) && c_ld_more[ld_q];
  // An open beat needs the pipeline's entry this clock (and the round keys); a seal beat the
  // buffer's write port, which a block of the same record coming back takes first. Neither
  // depends on in_valid_i.
  assign ld_open_ok  = c_key_ready[ld_q] && (c_a256[ld_q] || p_can128);
  assign in_ready_o  = ld_act && (c_open[ld_q] ? ld_open_ok : !(p_out_valid && p_out_ctx == ld_q));
  assign in_fire     = in_valid_i && in_ready_o;

  // Round-key writes into the pipeline: one context's per clock, round robin.
  always_comb begin
    logic          found;
    logic [CW-1:0] c;
    p_kw_valid = 1'b0;
    p_kw_ctx   = kw_rr_q;
    c_kw_grant = '0;
    found      = 1'b0;
    c          = kw_rr_q;
    for (int unsigned i = 0; i < K; i++) begin
      if (!found && c_kw_valid[c]) begin
        found = 1'b1;
        p_kw_ctx = c;
      end
      c = inc(c);
    end
    if (found && p_kw_ready) begin
      p_kw_valid           = 1'b1;
      c_kw_grant[p_kw_ctx] = 1'b1;
    end
  end

  // Pipeline entry: an open input beat, else one sealing context's next block (round robin).
  always_comb begin
    logic          found;
    logic [CW-1:0] c;
    p_in_valid = 1'b0;
    p_in_dec   = 1'b1;
    p_in_a256  = c_a256[ld_q];
    p_in_ctx   = ld_q;
    p_in_tag   = c_ld_idx[ld_q];
    p_in_blk   = in_data_i;
    p_in_mask  = c_prev[ld_q];
    c_rq_grant = '0;
    found      = 1'b0;
    c          = rr_q;
    if (in_fire && c_open[ld_q]) begin
      p_in_valid = 1'b1;
    end else begin
      for (int unsigned i = 0; i < K; i++) begin
        if (!found && c_rq_valid[c] && (c_a256[c] || p_can128)) begin
          found         = 1'b1;
          c_rq_grant[c] = 1'b1;
          p_in_valid    = 1'b1;
          p_in_dec      = 1'b0;
          p_in_a256     = c_a256[c];
          p_in_ctx      = c;
          p_in_tag      = c_rq_idx[c];
          p_in_blk      = c_rq_data[c];
          p_in_mask     = '0;
        end
        c = inc(c);
      end
    end
  end

  // ---------------------------------------------------------------------------------------------
  // Output: the oldest record's buffer through a 4-entry FIFO, then its completion.
  assign hd_fin  = (cnt_q != '0) && c_fin[hd_q];
  assign dr_rd   = hd_fin && (dr_i_q < c_nout[hd_q]) && (32'(of_cnt_q) + 32'(dr_pend_q) < 3);
  assign drained = hd_fin && (dr_i_q == c_nout[hd_q]) && !dr_pend_q && (of_cnt_q == '0);
  assign of_pop  = (of_cnt_q != '0) && out_ready_i;

  assign out_valid_o  = (of_cnt_q != '0);
  assign out_data_o   = of_data_q[of_rp_q];
  assign out_last_o   = of_last_q[of_rp_q];
  assign done_valid_o = drained;
  assign done_ok_o    = c_ok[hd_q];
  assign done_len_o   = c_len[hd_q];
  assign done_tag_o   = '0;

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      hd_q           <= '0;
      ld_q           <= '0;
      al_q           <= '0;
      rr_q           <= '0;
      kw_rr_q        <= '0;
      cnt_q          <= '0;
      nld_q          <= '0;
      dr_i_q         <= '0;
      dr_pend_q      <= 1'b0;
      dr_pend_last_q <= 1'b0;
      for (int unsigned i = 0; i < 4; i++) of_data_q[i] <= '0;
      of_last_q      <= '0;
      of_rp_q        <= '0;
      of_wp_q        <= '0;
      of_cnt_q       <= '0;
    end else begin
      logic acc, fr, ld_done;
      acc     = job_valid_i && job_ready_o;
      fr      = done_valid_o && done_ready_i;
      ld_done = (nld_q != '0) && !c_ld_more[ld_q];
      if (acc) al_q <= inc(al_q);
      if (fr) begin
        hd_q   <= inc(hd_q);
        dr_i_q <= '0;
      end
      cnt_q <= cnt_q + NW'(acc) - NW'(fr);
      if (ld_done) ld_q <= inc(ld_q);
      nld_q <= nld_q + NW'(acc) - NW'(ld_done);
      if (|c_rq_grant) rr_q <= inc(p_in_ctx);
      if (p_kw_valid) kw_rr_q <= inc(p_kw_ctx);

      // Drain.
      dr_pend_q <= dr_rd;
      if (dr_rd) begin
        dr_i_q         <= dr_i_q + 13'd1;
        dr_pend_last_q <= (dr_i_q + 13'd1 == c_nout[hd_q]);
      end
      if (dr_pend_q) begin
        of_data_q[of_wp_q] <= c_rdata[hd_q];
        of_last_q[of_wp_q] <= dr_pend_last_q;
        of_wp_q            <= of_wp_q + 2'd1;
      end
      if (of_pop) of_rp_q <= of_rp_q + 2'd1;
      of_cnt_q <= of_cnt_q + 3'(dr_pend_q) - 3'(of_pop);
    end
  end

  // AEAD-only inputs; this engine has no nonce and no received tag (the MAC is inside the record).
  logic unused_inputs;
  assign unused_inputs = ^{job_nonce_i, job_tag_i};
endmodule
