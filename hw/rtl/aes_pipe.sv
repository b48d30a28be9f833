// SPDX-License-Identifier: Apache-2.0
// Round-per-stage AES pipeline shared by the CBC engine's record contexts: one block may enter
// every clock, encrypt or decrypt, AES-128 or AES-256, each block under the round keys of its own
// context (rk_i, indexed by the context number it carries). Stage 1 does the initial AddRoundKey
// and round 1; stage s does round s. An AES-128 block leaves after stage 10 (10 clocks), an AES-256
// block after stage 14 (14 clocks); an AES-128 block may not enter 4 clocks after an AES-256 one
// (can128_o) so that at most one block leaves per clock. Each block carries a tag and a 128-bit
// mask XORed into its result as it leaves (CBC decryption: the previous ciphertext block). Chaining,
// scheduling between contexts and padding belong to the caller.
module aes_pipe
  import aes_pipe_pkg::*;
#(
  parameter int unsigned K    = 8,   // contexts (round-key sets)
  parameter int unsigned TagW = 13
) (
  input  logic                 clk_i,
  input  logic                 rst_ni,
  input  logic                 in_valid_i,
  input  logic                 in_dec_i,
  input  logic                 in_a256_i,
  input  logic [$clog2(K)-1:0] in_ctx_i,
  input  logic [TagW-1:0]      in_tag_i,
  input  logic [127:0]         in_blk_i,
  input  logic [127:0]         in_mask_i,
  input  logic [127:0]         rk_i [K][15],
  output logic                 can128_o,
  output logic                 out_valid_o,
  output logic [$clog2(K)-1:0] out_ctx_o,
  output logic [TagW-1:0]      out_tag_o,
  output logic [127:0]         out_blk_o
);
  localparam int unsigned CW = $clog2(K);
  localparam int unsigned NS = 14;

  // Stage registers, index 1..14 (0 unused).
  logic [NS:0]  v_q, dec_q, a256_q;
  logic [NS:0][CW-1:0]   ctx_q;
  logic [NS:0][TagW-1:0] tag_q;
  logic [NS:0][127:0]    s_q;
  logic [NS:0][127:0]    m_q;

  // Round key of stage s for the block in stage s-1 (or at the input for s = 1).
  function automatic logic [3:0] rk_idx(logic [3:0] s, logic dec, logic a256);
    logic [3:0] nr;
    nr = a256 ? 4'd14 : 4'd10;
    rk_idx = dec ? nr - s : s;
  endfunction

  // One round (stage s) on a block; the whitening too for stage 1.
  function automatic logic [127:0] stage(logic [3:0] s, logic [127:0] x, logic dec, logic a256,
                                         logic [127:0] rk, logic [127:0] rk0);
    logic [127:0] w;
    logic         last;
    w    = (s == 4'd1) ? x ^ rk0 : x;
    last = (s == (a256 ? 4'd14 : 4'd10));
    if (dec) stage = dec_round(w, rk, last);
    else     stage = enc_round(w, rk, last);
  endfunction

  // Stage registers load only when a block moves in (an enable; their content is don't-care
  // otherwise), so an idle stage costs no round computation in simulation.
  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      v_q    <= '0;
      dec_q  <= '0;
      a256_q <= '0;
      ctx_q  <= '0;
      tag_q  <= '0;
      s_q    <= '0;
      m_q    <= '0;
    end else begin
      v_q[0] <= 1'b0;
      v_q[1] <= in_valid_i;
      if (in_valid_i) begin
        logic [3:0] nr;
        nr = in_a256_i ? 4'd14 : 4'd10;
        dec_q[1]  <= in_dec_i;
        a256_q[1] <= in_a256_i;
        ctx_q[1]  <= in_ctx_i;
        tag_q[1]  <= in_tag_i;
        m_q[1]    <= in_mask_i;
        s_q[1]    <= stage(4'd1, in_blk_i, in_dec_i, in_a256_i,
                           rk_i[in_ctx_i][rk_idx(4'd1, in_dec_i, in_a256_i)],
                           rk_i[in_ctx_i][in_dec_i ? nr : 4'd0]);
      end
      for (int unsigned s = 2; s <= NS; s++) begin
        // AES-128 blocks leave after stage 10; stages 11..14 carry AES-256 blocks only.
        v_q[s] <= v_q[s - 1] && (s <= 10 || a256_q[s - 1]);
        if (v_q[s - 1] && (s <= 10 || a256_q[s - 1])) begin
          dec_q[s]  <= dec_q[s - 1];
          a256_q[s] <= a256_q[s - 1];
          ctx_q[s]  <= ctx_q[s - 1];
          tag_q[s]  <= tag_q[s - 1];
          m_q[s]    <= m_q[s - 1];
          s_q[s]    <= stage(4'(s), s_q[s - 1], dec_q[s - 1], a256_q[s - 1],
                             rk_i[ctx_q[s - 1]][rk_idx(4'(s), dec_q[s - 1], a256_q[s - 1])], '0);
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

  logic unused_s0;
  assign unused_s0 = ^{s_q[0], m_q[0], ctx_q[0], tag_q[0], v_q[0], dec_q[0], a256_q[0]};
endmodule
