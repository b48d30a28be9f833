// SPDX-License-Identifier: Apache-2.0
// ChaCha20 block function (RFC 8439 §2.3): one 64-byte keystream block per start, computed with
// DrPerClk double rounds per clock, so a block takes 10/DrPerClk clocks, back to back. The finished
// block waits in an output register until the engine takes it, which lets the next block be
// computed meanwhile (the engine holds a third block in its own keystream buffer). This module
// knows nothing about Poly1305, records or flow control of payload data.
module chacha_core #(
  parameter int unsigned DrPerClk = 2  // double rounds per clock: 1, 2 or 5 (must divide 10)
) (
  input  logic         clk_i,
  input  logic         rst_ni,
  input  logic         start_i,   // accepted when ready_o
  output logic         ready_o,   // idle and the output register is free (or being taken)
  input  logic [255:0] key_i,     // byte 0 at [255:248]
  input  logic [31:0]  ctr_i,     // block counter
  input  logic [95:0]  nonce_i,   // byte 0 at [95:88]
  output logic         blk_valid_o,
  input  logic         blk_take_i,
  output logic [511:0] blk_o,     // keystream byte 0 at [511:504]
  input  logic         wipe_i     // clear key-dependent state (end of job)
);
  // The 16-word state is one flat vector, word i at [32*i +: 32] (flat so that simple Verilog
  // front ends, e.g. yosys, take it).
  localparam int unsigned NumSteps = 10 / DrPerClk;

  function automatic logic [31:0] bswap32(logic [31:0] v);
    bswap32 = {v[7:0], v[15:8], v[23:16], v[31:24]};
  endfunction

  function automatic logic [511:0] quarter(logic [511:0] x, int unsigned a, int unsigned b,
                                           int unsigned c, int unsigned d);
    logic [31:0]  va, vb, vc, vd;
    logic [511:0] s;
    va = x[32 * a +: 32]; vb = x[32 * b +: 32]; vc = x[32 * c +: 32]; vd = x[32 * d +: 32];
    va = va + vb; vd = vd ^ va; vd = {vd[15:0], vd[31:16]};
    vc = vc + vd; vb = vb ^ vc; vb = {vb[19:0], vb[31:20]};
    va = va + vb; vd = vd ^ va; vd = {vd[23:0], vd[31:24]};
    vc = vc + vd; vb = vb ^ vc; vb = {vb[24:0], vb[31:25]};
    s = x;
    s[32 * a +: 32] = va; s[32 * b +: 32] = vb; s[32 * c +: 32] = vc; s[32 * d +: 32] = vd;
    quarter = s;
  endfunction

  // One column round and one diagonal round (RFC 8439 §2.3).
  function automatic logic [511:0] double_round(logic [511:0] x);
    logic [511:0] s;
    s = quarter(x, 0, 4, 8, 12);
    s = quarter(s, 1, 5, 9, 13);
    s = quarter(s, 2, 6, 10, 14);
    s = quarter(s, 3, 7, 11, 15);
    s = quarter(s, 0, 5, 10, 15);
    s = quarter(s, 1, 6, 11, 12);
    s = quarter(s, 2, 7, 8, 13);
    s = quarter(s, 3, 4, 9, 14);
    double_round = s;
  endfunction

  logic [511:0] init_q, x_q, x_next, init_d;
  logic   run_q;
  logic [3:0] step_q;
  logic   blk_valid_q;
  logic [511:0] blk_q;
  logic   last_step, hold;

  always_comb begin
    init_d[31:0]   = 32'h61707865;
    init_d[63:32]  = 32'h3320646e;
    init_d[95:64]  = 32'h79622d32;
    init_d[127:96] = 32'h6b206574;
    for (int unsigned i = 0; i < 8; i++)
      init_d[32 * (4 + i) +: 32] = bswap32(key_i[255 - 32 * i -: 32]);
    init_d[415:384] = ctr_i;
    for (int unsigned i = 0; i < 3; i++)
      init_d[32 * (13 + i) +: 32] = bswap32(nonce_i[95 - 32 * i -: 32]);
  end

  always_comb begin
    x_next = x_q;
    for (int unsigned i = 0; i < DrPerClk; i++) x_next = double_round(x_next);
  end

  // A finished block may only land in the output register when that register is free or being
  // taken; otherwise the core holds on its last step.
  assign last_step   = run_q && (step_q == 4'(NumSteps - 1)) && (!blk_valid_q || blk_take_i);
  assign hold        = run_q && (step_q == 4'(NumSteps - 1)) && !last_step;
  assign ready_o     = !run_q || last_step;
  assign blk_valid_o = blk_valid_q;
  assign blk_o       = blk_q;

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      run_q       <= 1'b0;
      step_q      <= '0;
      blk_valid_q <= 1'b0;
      blk_q       <= '0;
      x_q         <= '0;
      init_q      <= '0;
    end else if (wipe_i) begin
      run_q       <= 1'b0;
      step_q      <= '0;
      blk_valid_q <= 1'b0;
      blk_q       <= '0;
      x_q         <= '0;
      init_q      <= '0;
    end else begin
      if (blk_take_i) blk_valid_q <= 1'b0;
      if (run_q && !hold) begin
        x_q    <= x_next;
        step_q <= step_q + 4'd1;
        if (last_step) begin
          run_q       <= 1'b0;
          blk_valid_q <= 1'b1;
          // Serialise state + input as little-endian words (RFC 8439 §2.3.2).
          for (int unsigned i = 0; i < 16; i++)
            blk_q[511 - 32 * i -: 32] <= bswap32(x_next[32 * i +: 32] + init_q[32 * i +: 32]);
        end
      end
      // A new block may start on the last round of the previous one (back to back).
      if (start_i && ready_o) begin
        run_q  <= 1'b1;
        step_q <= '0;
        x_q    <= init_d;
        init_q <= init_d;
      end
    end
  end
endmodule
