// SPDX-License-Identifier: BSD-3-Clause
// Synthesis wrapper for the timing figure: the AES-GCM engine's GHASH loop, Y <- (Y ^ X) * H with
// the single-cycle Karatsuba multiplier, which is the engine's longest path. X and H arrive
// through byte-wide shift registers and Y leaves folded to a byte, so the block needs few pins.
// Not for: simulation or the real core (aes_gcm_engine holds the loop).
module ghash_stage
  import ftls_aes_pkg::*;
(
  input  logic       clk_i,
  input  logic [7:0] x_i,
  input  logic [7:0] h_i,
  output logic [7:0] fold_o
);
  logic [127:0] x_q, h_q, y_q, y_d;
  logic [7:0] fold_q;
  assign y_d = gf_mul(y_q ^ x_q, h_q);
  always_ff @(posedge clk_i) begin
    x_q <= {x_q[119:0], x_i};
    h_q <= {h_q[119:0], h_i};
    y_q <= y_d;
    fold_q <= y_q[127:120] ^ y_q[119:112] ^ y_q[111:104] ^ y_q[103:96] ^ y_q[95:88] ^
              y_q[87:80] ^ y_q[79:72] ^ y_q[71:64] ^ y_q[63:56] ^ y_q[55:48] ^ y_q[47:40] ^
              y_q[39:32] ^ y_q[31:24] ^ y_q[23:16] ^ y_q[15:8] ^ y_q[7:0];
  end
  assign fold_o = fold_q;
endmodule
