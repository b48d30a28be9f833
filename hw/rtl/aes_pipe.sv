// SPDX-License-Identifier: Apache-2.0
// Round-per-stage AES pipeline shared by the CBC engine's record contexts: one block may enter
// every clock, encrypt or decrypt, AES-128 or AES-256, each block under the round keys of its own
// context (in_ctx_i, carried along). Stage 1 does the initial AddRoundKey and round 1; stage s does
// round s. An AES-128 block leaves after stage 10 (10 clocks), an AES-256 block after stage 14
// (14 clocks); an AES-128 block may not enter 4 clocks after an AES-256 one (can128_o) so that at
// most one block leaves per clock. Each block carries a tag and a 128-bit mask XORed into its
// result as it leaves (CBC decryption: the previous ciphertext block). Chaining, scheduling
// between contexts and padding belong to the caller.
//
// Round keys live here, next to the stage that uses them: stage s has two K-entry memories, the
// key it applies when encrypting (round key s) and when decrypting (round key Nr - s), read at the
// context number the block carries (asynchronous read: distributed RAM on an FPGA, no K-way mux
// of registers). The caller writes a context's schedule one round key per clock through the kw_
// port (round key i lands in stage i's encrypt memory and stage Nr - i's decrypt memory), and
// wipes a context (kw_zero_i: zero into every memory at that context, one clock) once its record
// is done. After reset the memories are swept to zero, one context per clock (kw_ready_o low for
// K clocks). A context must have no block in the pipeline while its keys are written or wiped.
module aes_pipe
  import ftls_aes_pkg::*;
#(
  parameter int unsigned K    = 8,   // contexts (round-key sets)
  parameter int unsigned TagW = 13
) (
  input  logic                 clk_i,
  input  logic                 rst_ni,
  // Round-key writes: one round key, or a whole context wiped, per clock.
  input  logic                 kw_valid_i,
  input  logic                 kw_zero_i,
  input  logic [$clog2(K)-1:0] kw_ctx_i,
  input  logic                 kw_a256_i,
  input  logic [3:0]           kw_idx_i,   // round key number, 0..Nr
  input  logic [127:0]         kw_key_i,
  output logic                 kw_ready_o,
  // Blocks.
  input  logic                 in_valid_i,
  input  logic                 in_dec_i,
  input  logic                 in_a256_i,
  input  logic [$clog2(K)-1:0] in_ctx_i,
  input  logic [TagW-1:0]      in_tag_i,
  input  logic [127:0]         in_blk_i,
  input  logic [127:0]         in_mask_i,
  output logic                 can128_o,
  output logic                 out_valid_o,
  output logic [$clog2(K)-1:0] out_ctx_o,
  output logic [TagW-1:0]      out_tag_o,
  output logic [127:0]         out_blk_o
);
  localparam int unsigned CW = $clog2(K);
  localparam int unsigned NS = 14;

  // Stage registers, index 1..14.
  logic [NS:1]  v_q, dec_q, a256_q;
  logic [NS:1][CW-1:0]   ctx_q;
  logic [NS:1][TagW-1:0] tag_q;
  logic [NS:1][127:0]    s_q;
  logic [NS:1][127:0]    m_q;

  // ---------------------------------------------------------------------------------------------
  // Round-key memories. Index j = 0..14: encrypt round key j, decrypt round key Nr - j (j = 0 is
  // the whitening key of stage 1).
  logic          sweep_q;
  logic [CW-1:0] sweep_ctx_q;
  logic [CW-1:0] w_ctx;
  logic [127:0]  w_key;
  logic [NS:0]   we_enc, we_dec;
  logic [NS:0][CW-1:0] ra;     // read context per stage
  logic [NS:0]         rdec;   // decrypt memory per stage
  logic [NS:0][127:0]  rk;     // the round key stage j applies (j = 0: stage 1's whitening)

  assign kw_ready_o = !sweep_q;

  always_comb begin
    logic [3:0] nr;
    nr     = kw_a256_i ? 4'd14 : 4'd10;
    w_ctx  = sweep_q ? sweep_ctx_q : kw_ctx_i;
    w_key  = (sweep_q || kw_zero_i) ? '0 : kw_key_i;
    we_enc = '0;
    we_dec = '0;
    if (sweep_q || (kw_valid_i && kw_zero_i)) begin
      we_enc = '1;
      we_dec = '1;
    end else if (kw_valid_i && kw_idx_i <= nr) begin
      we_enc[kw_idx_i]      = 1'b1;
      we_dec[nr - kw_idx_i] = 1'b1;
    end
  end

  // Stage 1 (and its whitening key) reads at the input; stage j >= 2 at the block in stage j - 1.
  always_comb begin
    ra[0]   = in_ctx_i;
    rdec[0] = in_dec_i;
    ra[1]   = in_ctx_i;
    rdec[1] = in_dec_i;
    for (int unsigned j = 2; j <= NS; j++) begin
      ra[j]   = ctx_q[j - 1];
      rdec[j] = dec_q[j - 1];
    end
  end

  for (genvar j = 0; j <= NS; j++) begin : g_rk
    logic [127:0] enc_mem [K];
    logic [127:0] dec_mem [K];
    always_ff @(posedge clk_i) begin
      if (we_enc[j]) enc_mem[w_ctx] <= w_key;
      if (we_dec[j]) dec_mem[w_ctx] <= w_key;
    end
    assign rk[j] = rdec[j] ? dec_mem[ra[j]] : enc_mem[ra[j]];
  end

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      sweep_q     <= 1'b1;
      sweep_ctx_q <= '0;
    end else if (sweep_q) begin
      sweep_ctx_q <= sweep_ctx_q + CW'(1);
      if (32'(sweep_ctx_q) == K - 1) sweep_q <= 1'b0;
    end
  end

  // ---------------------------------------------------------------------------------------------
  // One round (stage s) on a block; the whitening too for stage 1.
  function automatic logic [127:0] stage(logic [3:0] s, logic [127:0] x, logic dec, logic a256,
                                         logic [127:0] rks, logic [127:0] rk0);
    logic [127:0] w;
    logic         last;
    w    = (s == 4'd1) ? x ^ rk0 : x;
    last = (s == (a256 ? 4'd14 : 4'd10));
    if (dec) stage = dec_round(w, rks, last);
    else     stage = enc_round(w, rks, last);
  endfunction

  // Stage registers load only when a block moves in (an enable; their content is don't-care
  // otherwise), so an idle stage costs no round computation in simulation. One process per stage.
  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      v_q[1]    <= 1'b0;
      dec_q[1]  <= 1'b0;
      a256_q[1] <= 1'b0;
      ctx_q[1]  <= '0;
      tag_q[1]  <= '0;
      s_q[1]    <= '0;
      m_q[1]    <= '0;
    end else begin
      v_q[1] <= in_valid_i;
      if (in_valid_i) begin
        dec_q[1]  <= in_dec_i;
        a256_q[1] <= in_a256_i;
        ctx_q[1]  <= in_ctx_i;
        tag_q[1]  <= in_tag_i;
        m_q[1]    <= in_mask_i;
        s_q[1]    <= stage(4'd1, in_blk_i, in_dec_i, in_a256_i, rk[1], rk[0]);
      end
    end
  end

  for (genvar s = 2; s <= NS; s++) begin : g_stage
    // AES-128 blocks leave after stage 10; stages 11..14 carry AES-256 blocks only.
    logic mv;
    assign mv = v_q[s - 1] && (s <= 10 || a256_q[s - 1]);
    always_ff @(posedge clk_i) begin
      if (!rst_ni) begin
        v_q[s]    <= 1'b0;
        dec_q[s]  <= 1'b0;
        a256_q[s] <= 1'b0;
        ctx_q[s]  <= '0;
        tag_q[s]  <= '0;
        s_q[s]    <= '0;
        m_q[s]    <= '0;
      end else begin
        v_q[s] <= mv;
        if (mv) begin
          dec_q[s]  <= dec_q[s - 1];
          a256_q[s] <= a256_q[s - 1];
          ctx_q[s]  <= ctx_q[s - 1];
          tag_q[s]  <= tag_q[s - 1];
          m_q[s]    <= m_q[s - 1];
          s_q[s]    <= stage(4'(s), s_q[s - 1], dec_q[s - 1], a256_q[s - 1], rk[s], '0);
        end
      end
    end
  end

  // An AES-256 block now in stage 4 leaves in 10 clocks, as an AES-128 block entering now would.
  assign can128_o = !(v_q[4] && a256_q[4]);

  logic out10;
  assign out10       = v_q[10] && !a256_q[10];
  assign out_valid_o = out10 || v_q[NS];
  assign out_ctx_o   = out10 ? ctx_q[10] : ctx_q[NS];
  assign out_tag_o   = out10 ? tag_q[10] : tag_q[NS];
  assign out_blk_o   = out10 ? (s_q[10] ^ m_q[10]) : (s_q[NS] ^ m_q[NS]);

  logic unused_last;
  assign unused_last = ^{dec_q[NS], a256_q[NS]};  // nothing after the last stage
endmodule
