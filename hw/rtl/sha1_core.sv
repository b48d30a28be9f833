// SPDX-License-Identifier: Apache-2.0
// SHA-1 compression function (FIPS 180-4 §6.1.2), RoundsPerClk rounds per clock: a 64-byte block
// and a 160-bit chaining value in, the next chaining value out 1 + 80/RoundsPerClk clocks later.
// SHA-1 is here only for the TLS 1.2 HMAC-SHA-1 suites; padding and HMAC belong to the caller.
module sha1_core #(
  parameter int unsigned RoundsPerClk = 2  // 1, 2, 4 or 5 (must divide 20)
) (
  input  logic         clk_i,
  input  logic         rst_ni,
  input  logic         start_i,   // accepted when ready_o
  output logic         ready_o,
  input  logic [159:0] state_i,   // H0 at [159:128]
  input  logic [511:0] blk_i,     // byte 0 at [511:504]
  output logic         done_o,    // one-clock pulse: state_o holds the new chaining value
  output logic [159:0] state_o,
  input  logic         wipe_i
);
  // Flat vectors, word i at [32*i +: 32]: working variables a (0) .. e (4), schedule W[t+i].
  logic [159:0]      v_q, h_q;
  logic [511:0]      w_q;
  logic [6:0]        t_q;
  logic              run_q, done_q;
  logic [159:0]      out_q;

  logic [159:0] v_d;
  logic [511:0] w_d;
  // RoundsPerClk rounds from (v, w) at round tq.
  function automatic logic [671:0] rounds(logic [159:0] v, logic [511:0] w, logic [6:0] tq);
    logic [31:0] a, b, c, d, e, f, k, tmp, w_x;
    logic [6:0]  t;
    logic [159:0] vv;
    logic [511:0] ww;
    vv = v;
    ww = w;
    for (int unsigned r = 0; r < RoundsPerClk; r++) begin
      a = vv[31:0]; b = vv[63:32]; c = vv[95:64]; d = vv[127:96]; e = vv[159:128];
      t = tq + 7'(r);
      if (t < 7'd20) begin
        f = (b & c) | (~b & d);          k = 32'h5a827999;
      end else if (t < 7'd40) begin
        f = b ^ c ^ d;                   k = 32'h6ed9eba1;
      end else if (t < 7'd60) begin
        f = (b & c) | (b & d) | (c & d); k = 32'h8f1bbcdc;
      end else begin
        f = b ^ c ^ d;                   k = 32'hca62c1d6;
      end
      tmp = {a[26:0], a[31:27]} + f + e + k + ww[31:0];
      w_x = ww[447:416] ^ ww[287:256] ^ ww[95:64] ^ ww[31:0];
      vv = {d, c, {b[1:0], b[31:2]}, a, tmp};
      ww = {{w_x[30:0], w_x[31]}, ww[511:32]};
    end
    rounds = {vv, ww};
  endfunction

  // Only while running: an idle core computes nothing (cheap to simulate, same registers).
  always_comb begin
    v_d = v_q;
    w_d = w_q;
    if (run_q) {v_d, w_d} = rounds(v_q, w_q, t_q);
  end

  assign ready_o = !run_q && !done_q;
  assign done_o  = done_q;
  assign state_o = out_q;

  always_ff @(posedge clk_i) begin
    if (!rst_ni || wipe_i) begin
      v_q    <= '0;
      h_q    <= '0;
      w_q    <= '0;
      t_q    <= '0;
      run_q  <= 1'b0;
      done_q <= 1'b0;
      out_q  <= '0;
    end else begin
      done_q <= 1'b0;
      if (start_i && ready_o) begin
        for (int unsigned i = 0; i < 5; i++) begin
          v_q[32 * i +: 32] <= state_i[159 - 32 * i -: 32];
          h_q[32 * i +: 32] <= state_i[159 - 32 * i -: 32];
        end
        for (int unsigned i = 0; i < 16; i++) w_q[32 * i +: 32] <= blk_i[511 - 32 * i -: 32];
        t_q   <= '0;
        run_q <= 1'b1;
      end else if (run_q) begin
        v_q <= v_d;
        w_q <= w_d;
        t_q <= t_q + 7'(RoundsPerClk);
        if (t_q == 7'(80 - RoundsPerClk)) begin
          run_q  <= 1'b0;
          done_q <= 1'b1;
          for (int unsigned i = 0; i < 5; i++)
            out_q[159 - 32 * i -: 32] <= h_q[32 * i +: 32] + v_d[32 * i +: 32];
        end
      end
    end
  end
endmodule
