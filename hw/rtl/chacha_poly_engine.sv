// SPDX-License-Identifier: Apache-2.0
// ChaCha20-Poly1305 record engine (RFC 8439 §2.8, as TLS 1.3 and RFC 7905 use it) behind the
// common record-engine port list. Seal: plaintext in, ciphertext out, done_tag_o = the tag. Open:
// ciphertext (without tag) in, plaintext out, done_ok_o = computed tag equals job_tag_i. It does
// not buffer records, choose nonces or decide what the host does with unverified plaintext.
//
// Implementation notes.
// - Keystream: chacha_core computes block 0 (the one-time Poly1305 key) then blocks 1.. while
//   the payload streams. Three blocks are in flight at most: one being computed, one finished in
//   the core's output register, one in ks_q being consumed 16 bytes per beat. With DrPerClk = 2 the
//   core makes 64 B every 5 clocks (102 bits/clock); with 5, every 2 clocks, and the payload
//   (one beat per clock, 128 bits/clock) is the limit. Measured by hw/tb/chacha_tb.cpp on a 16 KiB
//   seal: 0.079 clocks/byte (101 bits/clock) with DrPerClk = 2, 0.158 with 1, 0.063 with 5.
// - Poly1305 absorbs one 16-byte block per clock (128 bits/clock), so it never limits the engine:
//   AAD block (if aad_len > 0), one block per ciphertext beat (the last one zero-padded, which is
//   exactly pad16), then le64(aad_len) || le64(len).
// - The open tag check is one 128-bit comparison in one clock, whatever the data.
// - Protocol errors (alg not ChaCha, aad_len > 13, in_last_i disagreeing with job_len) still run
//   the job to completion with the same timing but force done_ok_o = 0.
// - Key material (key, Poly1305 r/s, keystream) is cleared when the completion is taken.
module chacha_poly_engine
  import ftls_alg_pkg::*;
#(
  parameter int unsigned DrPerClk = 2
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
  typedef enum logic [2:0] {
    StIdle, StKey, StAad, StData, StLen, StTag, StDone, StError
  } state_e;

  function automatic logic [127:0] bswap128(logic [127:0] v);
    logic [127:0] r;
    for (int unsigned i = 0; i < 16; i++) r[8 * i +: 8] = v[127 - 8 * i -: 8];
    bswap128 = r;
  endfunction

  // Top n bytes (n = 1..16) of a beat are payload; the rest must be zero.
  function automatic logic [127:0] beat_mask(logic [4:0] n);
    beat_mask = ~(128'(0)) << (8 * (7'd16 - {2'b0, n}));
  endfunction

  state_e state_q, state_d;

  logic         open_q;
  logic [255:0] key_q;
  logic [95:0]  nonce_q;
  logic [103:0] aad_q;
  logic [3:0]   aad_len_q;
  logic [127:0] tag_in_q;
  logic [15:0]  len_q;
  logic         err_q;
  logic [12:0]  beats_left_q;
  logic [10:0]  blocks_left_q;  // keystream blocks 1.. still to start
  logic [31:0]  ctr_q;
  logic         key_started_q;

  logic [511:0] ks_q;
  logic         ks_valid_q;
  logic [1:0]   ks_idx_q;

  logic         out_valid_q, out_last_q;
  logic [127:0] out_data_q;
  logic         ok_q;
  logic [127:0] tag_q;

  // Core and Poly1305 hook-up.
  logic         core_start, core_ready, core_blk_valid, core_take, wipe;
  logic [511:0] core_blk;
  logic         poly_init, poly_blk_valid;
  logic [127:0] poly_blk, poly_tag;

  chacha_core #(.DrPerClk(DrPerClk)) u_core (
    .clk_i, .rst_ni,
    .start_i     (core_start),
    .ready_o     (core_ready),
    .key_i       (key_q),
    .ctr_i       (ctr_q),
    .nonce_i     (nonce_q),
    .blk_valid_o (core_blk_valid),
    .blk_take_i  (core_take),
    .blk_o       (core_blk),
    .wipe_i      (wipe)
  );

  poly1305_core u_poly (
    .clk_i, .rst_ni,
    .init_i      (poly_init),
    .r_i         (bswap128(core_blk[511:384])),
    .s_i         (bswap128(core_blk[383:256])),
    .blk_valid_i (poly_blk_valid),
    .blk_i       (poly_blk),
    .tag_o       (poly_tag),
    .wipe_i      (wipe)
  );

  // Payload beat datapath.
  logic         fire, last_beat, ks_free;
  logic [4:0]   last_bytes;
  logic [127:0] mask, din, ks_word, dout, ct_word;

  assign last_beat  = (beats_left_q == 13'd1);
  assign last_bytes = (len_q[3:0] == 4'd0) ? 5'd16 : {1'b0, len_q[3:0]};
  assign mask       = last_beat ? beat_mask(last_bytes) : '1;
  assign ks_word    = ks_q[511 - 128 * ks_idx_q -: 128];
  assign din        = in_data_i & mask;
  assign dout       = din ^ (ks_word & mask);
  assign ct_word    = open_q ? din : dout;

  assign in_ready_o = (state_q == StData) && ks_valid_q && (!out_valid_q || out_ready_i);
  assign fire       = in_valid_i && in_ready_o;
  // The keystream buffer frees when its 4th beat (or the record's last beat) is used.
  assign ks_free    = !ks_valid_q || (fire && (ks_idx_q == 2'd3 || last_beat));

  assign job_ready_o  = (state_q == StIdle);
  assign out_valid_o  = out_valid_q;
  assign out_data_o   = out_data_q;
  assign out_last_o   = out_last_q;
  assign done_valid_o = (state_q == StDone) && !out_valid_q;
  assign done_ok_o    = ok_q;
  assign done_len_o   = len_q;
  assign done_tag_o   = tag_q;
  assign wipe         = (state_q == StDone) && done_valid_o && done_ready_i;

  always_comb begin
    state_d        = state_q;
    core_start     = 1'b0;
    core_take      = 1'b0;
    poly_init      = 1'b0;
    poly_blk_valid = 1'b0;
    poly_blk       = '0;
    unique case (state_q)
      StIdle: if (job_valid_i) state_d = StKey;
      StKey: begin
        core_start = !key_started_q;
        if (key_started_q && core_blk_valid) begin
          core_take = 1'b1;
          poly_init = 1'b1;
          state_d   = StAad;
        end
      end
      StAad: begin
        // pad16(AAD): the zero-padded AAD is one block, or none when the AAD is empty.
        poly_blk_valid = (aad_len_q != 4'd0);
        poly_blk       = bswap128({aad_q, 24'b0});
        state_d        = (len_q == 16'd0) ? StLen : StData;
      end
      StData: begin
        poly_blk_valid = fire;
        poly_blk       = bswap128(ct_word);
        if (fire && last_beat) state_d = StLen;
      end
      StLen: begin
        poly_blk_valid = 1'b1;
        poly_blk       = {48'b0, len_q, 60'b0, aad_len_q};
        state_d        = StTag;
      end
      StTag:  state_d = StDone;
      StDone: if (done_valid_o && done_ready_i) state_d = StIdle;
      default: state_d = StError;
    endcase
    // Keystream prefetch for blocks 1.. while the record streams.
    if (state_q == StAad || state_q == StData) begin
      core_start = (blocks_left_q != 11'd0);
      core_take  = core_blk_valid && ks_free;
    end
  end

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      state_q       <= StIdle;
      open_q        <= 1'b0;
      key_q         <= '0;
      nonce_q       <= '0;
      aad_q         <= '0;
      aad_len_q     <= '0;
      tag_in_q      <= '0;
      len_q         <= '0;
      err_q         <= 1'b0;
      beats_left_q  <= '0;
      blocks_left_q <= '0;
      ctr_q         <= '0;
      key_started_q <= 1'b0;
      ks_q          <= '0;
      ks_valid_q    <= 1'b0;
      ks_idx_q      <= '0;
      out_valid_q   <= 1'b0;
      out_last_q    <= 1'b0;
      out_data_q    <= '0;
      ok_q          <= 1'b0;
      tag_q         <= '0;
    end else begin
      state_q <= state_d;
      if (out_valid_q && out_ready_i) out_valid_q <= 1'b0;
      unique case (state_q)
        StIdle: if (job_valid_i) begin
          open_q        <= job_open_i;
          key_q         <= job_key_i;
          nonce_q       <= job_nonce_i;
          aad_q         <= job_aad_i;
          aad_len_q     <= job_aad_len_i;
          tag_in_q      <= job_tag_i;
          len_q         <= job_len_i;
          err_q         <= (job_alg_i != AlgChaChaPoly) || (job_aad_len_i > 4'd13);
          beats_left_q  <= 13'((17'(job_len_i) + 17'd15) >> 4);
          blocks_left_q <= 11'((17'(job_len_i) + 17'd63) >> 6);
          ctr_q         <= '0;
          key_started_q <= 1'b0;
          ks_valid_q    <= 1'b0;
          ks_idx_q      <= '0;
          ok_q          <= 1'b0;
          tag_q         <= '0;
        end
        StKey: begin
          if (core_start && core_ready) key_started_q <= 1'b1;
          if (core_take) ctr_q <= 32'd1;
        end
        StTag: begin
          // Open reports no tag: the expected tag of a forged record is nobody's business.
          tag_q <= open_q ? '0 : bswap128(poly_tag);
          // One 128-bit comparison: the same single clock for every tag.
          ok_q  <= !err_q && (!open_q || (bswap128(poly_tag) == tag_in_q));
        end
        default: ;
      endcase
      if (state_q == StAad || state_q == StData) begin
        if (core_start && core_ready) begin
          ctr_q         <= ctr_q + 32'd1;
          blocks_left_q <= blocks_left_q - 11'd1;
        end
        if (fire) begin
          out_valid_q  <= 1'b1;
          out_data_q   <= dout;
          out_last_q   <= last_beat;
          beats_left_q <= beats_left_q - 13'd1;
          ks_idx_q     <= ks_idx_q + 2'd1;
          if (in_last_i != last_beat) err_q <= 1'b1;
          if (last_beat) ks_valid_q <= 1'b0;
        end
        if (ks_free) ks_valid_q <= 1'b0;
        if (core_take) begin
          ks_q       <= core_blk;
          ks_valid_q <= 1'b1;
          ks_idx_q   <= '0;
        end
      end
      if (wipe) begin
        key_q    <= '0;
        ks_q     <= '0;
        tag_in_q <= '0;
        tag_q    <= '0;
      end
    end
  end

  // The MAC key and CBC IV belong to other algorithms; this engine never reads them.
  logic unused_inputs;
  assign unused_inputs = ^{job_mac_key_i, job_iv_i};
endmodule
