// SPDX-License-Identifier: Apache-2.0
// Poly1305 accumulator (RFC 8439 §2.5) for the AEAD construction, where every block is a full
// 16-byte block (the AEAD pads AAD and ciphertext to 16 bytes), so 2^128 is always added. One block
// per clock: the 132 x 124-bit product and a partial reduction modulo 2^130-5 are done in a single
// cycle, a rate of 128 message bits per clock. The accumulator stays below 2^131 between blocks;
// tag_o is the fully reduced h plus s, mod 2^128. Numbers here are plain integers (the caller turns
// little-endian bytes into integers); this module does not know about records or keystream.
module poly1305_core (
  input  logic         clk_i,
  input  logic         rst_ni,
  input  logic         init_i,   // load r (clamped here) and s, clear h
  input  logic [127:0] r_i,
  input  logic [127:0] s_i,
  input  logic         blk_valid_i,
  input  logic [127:0] blk_i,    // the 16-byte block as a little-endian integer
  output logic [127:0] tag_o,
  input  logic         wipe_i
);
  localparam logic [127:0] ClampMask = 128'h0ffffffc_0ffffffc_0ffffffc_0fffffff;

  logic [123:0] r_q;
  logic [127:0] s_q;
  logic [130:0] h_q, h_d;
  logic [131:0] acc;
  logic [255:0] prod;
  logic [130:0] fold;
  logic [130:0] hf;
  logic [130:0] hg;
  logic         unused_hbits;

  // (h + m + 2^128) * r, then fold the bits above 2^130 back in times 5 (2^130 = 5 mod p).
  // acc < 2^131 + 2^129 < 2^132 and r < 2^124, so the product fits 256 bits and the folded
  // value (< 2^130 + 5 * 2^126) stays below 2^131.
  assign acc  = {1'b0, h_q} + {3'b0, 1'b1, blk_i};
  assign prod = {124'b0, acc} * {132'b0, r_q};
  assign fold = {1'b0, prod[129:0]} + {3'b0, prod[255:130], 2'b0} + {5'b0, prod[255:130]};
  assign h_d  = fold;

  // Final reduction: h < 2^131, fold once (h < 2^130 + 5), then subtract p if h >= p.
  assign hf   = {1'b0, h_q[129:0]} + {128'b0, h_q[130], 1'b0, h_q[130]};
  assign hg   = hf + 131'd5;
  // Only the low 128 bits of the reduced value matter: the tag is taken mod 2^128.
  assign tag_o = (hg[130] ? hg[127:0] : hf[127:0]) + s_q;
  assign unused_hbits = ^{hf[130:128], hg[129:128]};

  always_ff @(posedge clk_i) begin
    if (!rst_ni || wipe_i) begin
      r_q <= '0;
      s_q <= '0;
      h_q <= '0;
    end else if (init_i) begin
      r_q <= 124'(r_i & ClampMask);
      s_q <= s_i;
      h_q <= '0;
    end else if (blk_valid_i) begin
      h_q <= h_d;
    end
  end
endmodule
