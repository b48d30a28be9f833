// SPDX-License-Identifier: BSD-3-Clause
// Synthesis wrapper for the timing figure: one stage of the AES-GCM engine's pipeline (a full
// AES round between two registers), the block that repeats 14 times and sets the engine's clock.
// The state and round key arrive through byte-wide shift registers and the result leaves folded
// to a byte, so the block fits a small FPGA's pins without logic being optimised away. Not for:
// simulation or the real core (aes_gcm_engine instantiates the rounds).
module aes_round_stage
  import ftls_aes_pkg::*;
(
  input  logic       clk_i,
  input  logic [7:0] state_i,
  input  logic [7:0] rk_i,
  input  logic       last_i,
  output logic [7:0] fold_o
);
  logic [127:0] s_q, rk_q, o_q, o_d;
  logic last_q;
  logic [7:0] fold_q;
  assign o_d = enc_round(s_q, rk_q, last_q);
  always_ff @(posedge clk_i) begin
    s_q <= {s_q[119:0], state_i};
    rk_q <= {rk_q[119:0], rk_i};
    last_q <= last_i;
    o_q <= o_d;
    fold_q <= o_q[127:120] ^ o_q[119:112] ^ o_q[111:104] ^ o_q[103:96] ^ o_q[95:88] ^
              o_q[87:80] ^ o_q[79:72] ^ o_q[71:64] ^ o_q[63:56] ^ o_q[55:48] ^ o_q[47:40] ^
              o_q[39:32] ^ o_q[31:24] ^ o_q[23:16] ^ o_q[15:8] ^ o_q[7:0];
  end
  assign fold_o = fold_q;
endmodule
