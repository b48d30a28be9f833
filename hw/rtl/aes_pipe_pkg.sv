// SPDX-License-Identifier: Apache-2.0
// AES (FIPS 197) round functions for the CBC engine's shared pipeline and its per-context key
// schedules: the S-box and its inverse as flat tables, one encryption round, one decryption round
// (the straightforward inverse cipher: InvShiftRows, InvSubBytes, AddRoundKey, InvMixColumns), and
// the 128-bit key-expansion step for AES-128 and AES-256. Byte 0 of a block is [127:120]. The GCM
// engine has its own encryption-only package (ftls_aes_pkg); this one is the CBC engine's.
package aes_pipe_pkg;
  // FIPS 197 S-box; entry x at [2047 - 8 * x -: 8] (flat so that simple Verilog front ends take it).
  localparam logic [2047:0] SBoxTab = {
    8'h63, 8'h7c, 8'h77, 8'h7b, 8'hf2, 8'h6b, 8'h6f, 8'hc5, 8'h30, 8'h01, 8'h67, 8'h2b, 8'hfe, 8'hd7, 8'hab, 8'h76,
    8'hca, 8'h82, 8'hc9, 8'h7d, 8'hfa, 8'h59, 8'h47, 8'hf0, 8'had, 8'hd4, 8'ha2, 8'haf, 8'h9c, 8'ha4, 8'h72, 8'hc0,
    8'hb7, 8'hfd, 8'h93, 8'h26, 8'h36, 8'h3f, 8'hf7, 8'hcc, 8'h34, 8'ha5, 8'he5, 8'hf1, 8'h71, 8'hd8, 8'h31, 8'h15,
    8'h04, 8'hc7, 8'h23, 8'hc3, 8'h18, 8'h96, 8'h05, 8'h9a, 8'h07, 8'h12, 8'h80, 8'he2, 8'heb, 8'h27, 8'hb2, 8'h75,
    8'h09, 8'h83, 8'h2c, 8'h1a, 8'h1b, 8'h6e, 8'h5a, 8'ha0, 8'h52, 8'h3b, 8'hd6, 8'hb3, 8'h29, 8'he3, 8'h2f, 8'h84,
    8'h53, 8'hd1, 8'h00, 8'hed, 8'h20, 8'hfc, 8'hb1, 8'h5b, 8'h6a, 8'hcb, 8'hbe, 8'h39, 8'h4a, 8'h4c, 8'h58, 8'hcf,
    8'hd0, 8'hef, 8'haa, 8'hfb, 8'h43, 8'h4d, 8'h33, 8'h85, 8'h45, 8'hf9, 8'h02, 8'h7f, 8'h50, 8'h3c, 8'h9f, 8'ha8,
    8'h51, 8'ha3, 8'h40, 8'h8f, 8'h92, 8'h9d, 8'h38, 8'hf5, 8'hbc, 8'hb6, 8'hda, 8'h21, 8'h10, 8'hff, 8'hf3, 8'hd2,
    8'hcd, 8'h0c, 8'h13, 8'hec, 8'h5f, 8'h97, 8'h44, 8'h17, 8'hc4, 8'ha7, 8'h7e, 8'h3d, 8'h64, 8'h5d, 8'h19, 8'h73,
    8'h60, 8'h81, 8'h4f, 8'hdc, 8'h22, 8'h2a, 8'h90, 8'h88, 8'h46, 8'hee, 8'hb8, 8'h14, 8'hde, 8'h5e, 8'h0b, 8'hdb,
    8'he0, 8'h32, 8'h3a, 8'h0a, 8'h49, 8'h06, 8'h24, 8'h5c, 8'hc2, 8'hd3, 8'hac, 8'h62, 8'h91, 8'h95, 8'he4, 8'h79,
    8'he7, 8'hc8, 8'h37, 8'h6d, 8'h8d, 8'hd5, 8'h4e, 8'ha9, 8'h6c, 8'h56, 8'hf4, 8'hea, 8'h65, 8'h7a, 8'hae, 8'h08,
    8'hba, 8'h78, 8'h25, 8'h2e, 8'h1c, 8'ha6, 8'hb4, 8'hc6, 8'he8, 8'hdd, 8'h74, 8'h1f, 8'h4b, 8'hbd, 8'h8b, 8'h8a,
    8'h70, 8'h3e, 8'hb5, 8'h66, 8'h48, 8'h03, 8'hf6, 8'h0e, 8'h61, 8'h35, 8'h57, 8'hb9, 8'h86, 8'hc1, 8'h1d, 8'h9e,
    8'he1, 8'hf8, 8'h98, 8'h11, 8'h69, 8'hd9, 8'h8e, 8'h94, 8'h9b, 8'h1e, 8'h87, 8'he9, 8'hce, 8'h55, 8'h28, 8'hdf,
    8'h8c, 8'ha1, 8'h89, 8'h0d, 8'hbf, 8'he6, 8'h42, 8'h68, 8'h41, 8'h99, 8'h2d, 8'h0f, 8'hb0, 8'h54, 8'hbb, 8'h16
  };
  // inverse S-box; entry x at [2047 - 8 * x -: 8] (flat so that simple Verilog front ends take it).
  localparam logic [2047:0] InvSBoxTab = {
    8'h52, 8'h09, 8'h6a, 8'hd5, 8'h30, 8'h36, 8'ha5, 8'h38, 8'hbf, 8'h40, 8'ha3, 8'h9e, 8'h81, 8'hf3, 8'hd7, 8'hfb,
    8'h7c, 8'he3, 8'h39, 8'h82, 8'h9b, 8'h2f, 8'hff, 8'h87, 8'h34, 8'h8e, 8'h43, 8'h44, 8'hc4, 8'hde, 8'he9, 8'hcb,
    8'h54, 8'h7b, 8'h94, 8'h32, 8'ha6, 8'hc2, 8'h23, 8'h3d, 8'hee, 8'h4c, 8'h95, 8'h0b, 8'h42, 8'hfa, 8'hc3, 8'h4e,
    8'h08, 8'h2e, 8'ha1, 8'h66, 8'h28, 8'hd9, 8'h24, 8'hb2, 8'h76, 8'h5b, 8'ha2, 8'h49, 8'h6d, 8'h8b, 8'hd1, 8'h25,
    8'h72, 8'hf8, 8'hf6, 8'h64, 8'h86, 8'h68, 8'h98, 8'h16, 8'hd4, 8'ha4, 8'h5c, 8'hcc, 8'h5d, 8'h65, 8'hb6, 8'h92,
    8'h6c, 8'h70, 8'h48, 8'h50, 8'hfd, 8'hed, 8'hb9, 8'hda, 8'h5e, 8'h15, 8'h46, 8'h57, 8'ha7, 8'h8d, 8'h9d, 8'h84,
    8'h90, 8'hd8, 8'hab, 8'h00, 8'h8c, 8'hbc, 8'hd3, 8'h0a, 8'hf7, 8'he4, 8'h58, 8'h05, 8'hb8, 8'hb3, 8'h45, 8'h06,
    8'hd0, 8'h2c, 8'h1e, 8'h8f, 8'hca, 8'h3f, 8'h0f, 8'h02, 8'hc1, 8'haf, 8'hbd, 8'h03, 8'h01, 8'h13, 8'h8a, 8'h6b,
    8'h3a, 8'h91, 8'h11, 8'h41, 8'h4f, 8'h67, 8'hdc, 8'hea, 8'h97, 8'hf2, 8'hcf, 8'hce, 8'hf0, 8'hb4, 8'he6, 8'h73,
    8'h96, 8'hac, 8'h74, 8'h22, 8'he7, 8'had, 8'h35, 8'h85, 8'he2, 8'hf9, 8'h37, 8'he8, 8'h1c, 8'h75, 8'hdf, 8'h6e,
    8'h47, 8'hf1, 8'h1a, 8'h71, 8'h1d, 8'h29, 8'hc5, 8'h89, 8'h6f, 8'hb7, 8'h62, 8'h0e, 8'haa, 8'h18, 8'hbe, 8'h1b,
    8'hfc, 8'h56, 8'h3e, 8'h4b, 8'hc6, 8'hd2, 8'h79, 8'h20, 8'h9a, 8'hdb, 8'hc0, 8'hfe, 8'h78, 8'hcd, 8'h5a, 8'hf4,
    8'h1f, 8'hdd, 8'ha8, 8'h33, 8'h88, 8'h07, 8'hc7, 8'h31, 8'hb1, 8'h12, 8'h10, 8'h59, 8'h27, 8'h80, 8'hec, 8'h5f,
    8'h60, 8'h51, 8'h7f, 8'ha9, 8'h19, 8'hb5, 8'h4a, 8'h0d, 8'h2d, 8'he5, 8'h7a, 8'h9f, 8'h93, 8'hc9, 8'h9c, 8'hef,
    8'ha0, 8'he0, 8'h3b, 8'h4d, 8'hae, 8'h2a, 8'hf5, 8'hb0, 8'hc8, 8'heb, 8'hbb, 8'h3c, 8'h83, 8'h53, 8'h99, 8'h61,
    8'h17, 8'h2b, 8'h04, 8'h7e, 8'hba, 8'h77, 8'hd6, 8'h26, 8'he1, 8'h69, 8'h14, 8'h63, 8'h55, 8'h21, 8'h0c, 8'h7d
  };

  function automatic logic [7:0] sbox(logic [7:0] x);
    sbox = SBoxTab[11'd2047 - {x, 3'b0} -: 8];
  endfunction

  function automatic logic [7:0] inv_sbox(logic [7:0] x);
    inv_sbox = InvSBoxTab[11'd2047 - {x, 3'b0} -: 8];
  endfunction

  // Byte i of a block (byte 0 = bits [127:120]) sits at row i % 4, column i / 4 (FIPS 197 §3.4).
  function automatic logic [7:0] byte_of(logic [127:0] v, int unsigned i);
    byte_of = v[127 - 8 * i -: 8];
  endfunction

  function automatic logic [7:0] xt(logic [7:0] x);
    xt = {x[6:0], 1'b0} ^ (x[7] ? 8'h1b : 8'h00);
  endfunction

  function automatic logic [31:0] sub_word(logic [31:0] w);
    sub_word = {sbox(w[31:24]), sbox(w[23:16]), sbox(w[15:8]), sbox(w[7:0])};
  endfunction

  function automatic logic [127:0] enc_round(logic [127:0] s, logic [127:0] rk, logic last);
    logic [127:0] b, c;
    logic [7:0]   a0, a1, a2, a3;
    for (int unsigned col = 0; col < 4; col++)
      for (int unsigned row = 0; row < 4; row++)  // SubBytes + ShiftRows
        b[127 - 8 * (4 * col + row) -: 8] = sbox(byte_of(s, 4 * ((col + row) % 4) + row));
    c = b;
    if (!last) begin
      for (int unsigned col = 0; col < 4; col++) begin  // MixColumns
        a0 = byte_of(b, 4 * col);     a1 = byte_of(b, 4 * col + 1);
        a2 = byte_of(b, 4 * col + 2); a3 = byte_of(b, 4 * col + 3);
        c[127 - 8 * (4 * col) -: 8]     = xt(a0) ^ xt(a1) ^ a1 ^ a2 ^ a3;
        c[127 - 8 * (4 * col + 1) -: 8] = a0 ^ xt(a1) ^ xt(a2) ^ a2 ^ a3;
        c[127 - 8 * (4 * col + 2) -: 8] = a0 ^ a1 ^ xt(a2) ^ xt(a3) ^ a3;
        c[127 - 8 * (4 * col + 3) -: 8] = xt(a0) ^ a0 ^ a1 ^ a2 ^ xt(a3);
      end
    end
    enc_round = c ^ rk;
  endfunction

  function automatic logic [127:0] dec_round(logic [127:0] s, logic [127:0] rk, logic last);
    logic [127:0] b, c;
    logic [7:0]   a0, a1, a2, a3, x2_0, x2_1, x2_2, x2_3, x4_0, x4_1, x4_2, x4_3, x8_0, x8_1, x8_2, x8_3;
    for (int unsigned col = 0; col < 4; col++)
      for (int unsigned row = 0; row < 4; row++)  // InvShiftRows + InvSubBytes
        b[127 - 8 * (4 * col + row) -: 8] = inv_sbox(byte_of(s, 4 * ((col + 4 - row) % 4) + row));
    b = b ^ rk;
    c = b;
    if (!last) begin
      for (int unsigned col = 0; col < 4; col++) begin  // InvMixColumns
        a0 = byte_of(b, 4 * col);     a1 = byte_of(b, 4 * col + 1);
        a2 = byte_of(b, 4 * col + 2); a3 = byte_of(b, 4 * col + 3);
        x2_0 = xt(a0); x4_0 = xt(x2_0); x8_0 = xt(x4_0);
        x2_1 = xt(a1); x4_1 = xt(x2_1); x8_1 = xt(x4_1);
        x2_2 = xt(a2); x4_2 = xt(x2_2); x8_2 = xt(x4_2);
        x2_3 = xt(a3); x4_3 = xt(x2_3); x8_3 = xt(x4_3);
        // 14 = 8^4^2, 11 = 8^2^1, 13 = 8^4^1, 9 = 8^1
        c[127 - 8 * (4 * col) -: 8]     = (x8_0 ^ x4_0 ^ x2_0) ^ (x8_1 ^ x2_1 ^ a1) ^ (x8_2 ^ x4_2 ^ a2) ^ (x8_3 ^ a3);
        c[127 - 8 * (4 * col + 1) -: 8] = (x8_0 ^ a0) ^ (x8_1 ^ x4_1 ^ x2_1) ^ (x8_2 ^ x2_2 ^ a2) ^ (x8_3 ^ x4_3 ^ a3);
        c[127 - 8 * (4 * col + 2) -: 8] = (x8_0 ^ x4_0 ^ a0) ^ (x8_1 ^ a1) ^ (x8_2 ^ x4_2 ^ x2_2) ^ (x8_3 ^ x2_3 ^ a3);
        c[127 - 8 * (4 * col + 3) -: 8] = (x8_0 ^ x2_0 ^ a0) ^ (x8_1 ^ x4_1 ^ a1) ^ (x8_2 ^ a2) ^ (x8_3 ^ x4_3 ^ x2_3);
      end
    end
    dec_round = c;
  endfunction


  // Next 128 bits of the key schedule (FIPS 197 §5.2). prev: the last word of the previous round
  // key; prev2: the round key two steps back (AES-256) or the previous one (AES-128); rot: RotWord
  // and Rcon (every AES-128 step, even AES-256 steps), else SubWord only.
  function automatic logic [127:0] key_step(logic [31:0] prev, logic [127:0] prev2, logic rot,
                                            logic [7:0] rcon);
    logic [31:0] t;
    logic [127:0] k;
    if (rot) t = sub_word({prev[23:0], prev[31:24]}) ^ {rcon, 24'b0};
    else     t = sub_word(prev);
    k[127:96] = prev2[127:96] ^ t;
    k[95:64]  = prev2[95:64] ^ k[127:96];
    k[63:32]  = prev2[63:32] ^ k[95:64];
    k[31:0]   = prev2[31:0] ^ k[63:32];
    key_step = k;
  endfunction
endpackage
