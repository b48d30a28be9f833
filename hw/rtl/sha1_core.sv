// SPDX-License-Identifier: Apache-2.0
// SHA-1 compression function (FIPS 180-4 §6.1.2), one round per clock: a 64-byte block and a
// 160-bit chaining value in, the next chaining value out 81 clocks later (load + 80 rounds). SHA-1
// is here only for the TLS 1.2 HMAC-SHA-1 suites; padding and HMAC belong to the caller.
module sha1_core (
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
  logic [4:0][31:0]  v_q, h_q;   // index 0 = a ... 4 = e
  logic [15:0][31:0] w_q;
  logic [6:0]        t_q;
  logic              run_q, done_q;
  logic [159:0]      out_q;

  logic [31:0] a, b, c, d, e, f, k, tmp, w_x, w_new;
  always_comb begin
    a = v_q[0]; b = v_q[1]; c = v_q[2]; d = v_q[3]; e = v_q[4];
    if (t_q < 7'd20) begin
      f = (b & c) | (~b & d);       k = 32'h5a827999;
    end else if (t_q < 7'd40) begin
      f = b ^ c ^ d;                k = 32'h6ed9eba1;
    end else if (t_q < 7'd60) begin
      f = (b & c) | (b & d) | (c & d); k = 32'h8f1bbcdc;
    end else begin
      f = b ^ c ^ d;                k = 32'hca62c1d6;
    end
    tmp   = {a[26:0], a[31:27]} + f + e + k + w_q[0];
    w_x   = w_q[13] ^ w_q[8] ^ w_q[2] ^ w_q[0];
    w_new = {w_x[30:0], w_x[31]};
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
          v_q[i] <= state_i[159 - 32 * i -: 32];
          h_q[i] <= state_i[159 - 32 * i -: 32];
        end
        for (int unsigned i = 0; i < 16; i++) w_q[i] <= blk_i[511 - 32 * i -: 32];
        t_q   <= '0;
        run_q <= 1'b1;
      end else if (run_q) begin
        v_q <= {d, c, {b[1:0], b[31:2]}, a, tmp};
        w_q <= {w_new, w_q[15:1]};
        t_q <= t_q + 7'd1;
        if (t_q == 7'd79) begin
          run_q  <= 1'b0;
          done_q <= 1'b1;
          out_q  <= {h_q[0] + tmp, h_q[1] + a, h_q[2] + {b[1:0], b[31:2]}, h_q[3] + c, h_q[4] + d};
        end
      end
    end
  end
endmodule
