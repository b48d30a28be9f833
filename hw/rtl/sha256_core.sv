// SPDX-License-Identifier: Apache-2.0
// SHA-256 compression function (FIPS 180-4 §6.2.2), RoundsPerClk rounds per clock: a 64-byte
// block and a chaining value in, the next chaining value out 1 + 64/RoundsPerClk clocks later. The
// message schedule is a 16-word window. Padding, HMAC and the choice of block belong to the caller.
module sha256_core #(
  parameter int unsigned RoundsPerClk = 2  // 1, 2 or 4
) (
  input  logic         clk_i,
  input  logic         rst_ni,
  input  logic         start_i,   // accepted when ready_o
  output logic         ready_o,
  input  logic [255:0] state_i,   // chaining value, word 0 (H0) at [255:224]
  input  logic [511:0] blk_i,     // message block, byte 0 at [511:504]
  output logic         done_o,    // one-clock pulse: state_o holds the new chaining value
  output logic [255:0] state_o,
  input  logic         wipe_i
);
  // K[0] in the top word: K[t] = KTab[2047 - 32 * t -: 32].
  localparam logic [2047:0] KTab = {
    32'h428a2f98, 32'h71374491, 32'hb5c0fbcf, 32'he9b5dba5, 32'h3956c25b, 32'h59f111f1, 32'h923f82a4, 32'hab1c5ed5,
    32'hd807aa98, 32'h12835b01, 32'h243185be, 32'h550c7dc3, 32'h72be5d74, 32'h80deb1fe, 32'h9bdc06a7, 32'hc19bf174,
    32'he49b69c1, 32'hefbe4786, 32'h0fc19dc6, 32'h240ca1cc, 32'h2de92c6f, 32'h4a7484aa, 32'h5cb0a9dc, 32'h76f988da,
    32'h983e5152, 32'ha831c66d, 32'hb00327c8, 32'hbf597fc7, 32'hc6e00bf3, 32'hd5a79147, 32'h06ca6351, 32'h14292967,
    32'h27b70a85, 32'h2e1b2138, 32'h4d2c6dfc, 32'h53380d13, 32'h650a7354, 32'h766a0abb, 32'h81c2c92e, 32'h92722c85,
    32'ha2bfe8a1, 32'ha81a664b, 32'hc24b8b70, 32'hc76c51a3, 32'hd192e819, 32'hd6990624, 32'hf40e3585, 32'h106aa070,
    32'h19a4c116, 32'h1e376c08, 32'h2748774c, 32'h34b0bcb5, 32'h391c0cb3, 32'h4ed8aa4a, 32'h5b9cca4f, 32'h682e6ff3,
    32'h748f82ee, 32'h78a5636f, 32'h84c87814, 32'h8cc70208, 32'h90befffa, 32'ha4506ceb, 32'hbef9a3f7, 32'hc67178f2
  };

  function automatic logic [31:0] rotr(logic [31:0] x, int unsigned n);
    rotr = (x >> n) | (x << (32 - n));
  endfunction

  // Flat vectors, word i at [32*i +: 32]: working variables a (0) .. h (7), schedule W[t+i].
  logic [255:0]      v_q, h_q;
  logic [511:0]      w_q;
  logic [6:0]        t_q;
  logic              run_q, done_q;
  logic [255:0]      out_q;

  // RoundsPerClk rounds, each one the FIPS 180-4 round on (v, w) followed by a window shift.
  logic [255:0] v_d;
  logic [511:0] w_d;
  // RoundsPerClk rounds from (v, w) at round tq.
  function automatic logic [767:0] rounds(logic [255:0] v, logic [511:0] w, logic [5:0] tq);
    logic [31:0] a, b, c, d, e, f, g, h, s0, s1, ch, maj, t1, t2, ws0, ws1;
    logic [5:0]  ti;
    logic [10:0] kmsb;
    logic [255:0] vv;
    logic [511:0] ww;
    vv = v;
    ww = w;
    for (int unsigned r = 0; r < RoundsPerClk; r++) begin
      a = vv[31:0];    b = vv[63:32];   c = vv[95:64];   d = vv[127:96];
      e = vv[159:128]; f = vv[191:160]; g = vv[223:192]; h = vv[255:224];
      s1  = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
      ch  = (e & f) ^ (~e & g);
      ti   = tq + 6'(r);
      kmsb = 11'd2047 - {ti, 5'b0};
      t1  = h + s1 + ch + KTab[kmsb -: 32] + ww[31:0];
      s0  = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
      maj = (a & b) ^ (a & c) ^ (b & c);
      t2  = s0 + maj;
      ws0 = rotr(ww[63:32], 7) ^ rotr(ww[63:32], 18) ^ (ww[63:32] >> 3);
      ws1 = rotr(ww[479:448], 17) ^ rotr(ww[479:448], 19) ^ (ww[479:448] >> 10);
      vv = {g, f, e, d + t1, c, b, a, t1 + t2};
      ww = {ws1 + ww[319:288] + ws0 + ww[31:0], ww[511:32]};
    end
    rounds = {vv, ww};
  endfunction

  // Only while running: an idle core computes nothing (cheap to simulate, same registers).
  always_comb begin
    v_d = v_q;
    w_d = w_q;
    if (run_q) {v_d, w_d} = rounds(v_q, w_q, t_q[5:0]);
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
        for (int unsigned i = 0; i < 8; i++) begin
          v_q[32 * i +: 32] <= state_i[255 - 32 * i -: 32];
          h_q[32 * i +: 32] <= state_i[255 - 32 * i -: 32];
        end
        for (int unsigned i = 0; i < 16; i++) w_q[32 * i +: 32] <= blk_i[511 - 32 * i -: 32];
        t_q   <= '0;
        run_q <= 1'b1;
      end else if (run_q) begin
        v_q <= v_d;
        w_q <= w_d;
        t_q <= t_q + 7'(RoundsPerClk);
        if (t_q == 7'(64 - RoundsPerClk)) begin
          run_q  <= 1'b0;
          done_q <= 1'b1;
          for (int unsigned i = 0; i < 8; i++)
            out_q[255 - 32 * i -: 32] <= h_q[32 * i +: 32] + v_d[32 * i +: 32];
        end
      end
    end
  end

  logic unused_t;
  assign unused_t = t_q[6];
endmodule
