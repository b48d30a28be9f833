// SPDX-License-Identifier: BSD-3-Clause
// Synthesis stage for make synth: one stage of the AES-GCM engine's pipeline, a full AES
// encryption round (ftls_aes_pkg::enc_round) between two registers, the block that repeats 14
// times in aes_gcm_engine and sets its clock. Inputs are registered here, the result leaves
// through its register, so every path counted is register to register (hw/scripts/pinwrap.py puts
// it behind 8 pins for nextpnr). Not for: simulation or the real core.
module aes_round_stage
  import ftls_aes_pkg::*;
(
  input  logic         clk_i,
  input  logic [127:0] state_i,
  input  logic [127:0] rk_i,
  input  logic         last_i,
  output logic [127:0] state_o
);
  logic [127:0] s_q, rk_q, o_q;
  logic last_q;
  always_ff @(posedge clk_i) begin
    s_q <= state_i;
    rk_q <= rk_i;
    last_q <= last_i;
    o_q <= enc_round(s_q, rk_q, last_q);
  end
  assign state_o = o_q;
endmodule
