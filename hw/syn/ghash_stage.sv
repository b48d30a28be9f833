// SPDX-License-Identifier: BSD-3-Clause
// Synthesis stage for make synth: the AES-GCM engine's GHASH loop, Y <- (Y ^ X) * H with the
// single-cycle Karatsuba multiplier (ftls_aes_pkg::gf_mul), the engine's longest path. X and H are
// registered here and Y is the loop register, so every path counted is register to register
// (hw/scripts/pinwrap.py puts it behind 8 pins for nextpnr). Not for: simulation or the real core.
module ghash_stage
  import ftls_aes_pkg::*;
(
  input  logic         clk_i,
  input  logic [127:0] x_i,
  input  logic [127:0] h_i,
  output logic [127:0] y_o
);
  logic [127:0] x_q, h_q, y_q;
  always_ff @(posedge clk_i) begin
    x_q <= x_i;
    h_q <= h_i;
    y_q <= gf_mul(y_q ^ x_q, h_q);
  end
  assign y_o = y_q;
endmodule
