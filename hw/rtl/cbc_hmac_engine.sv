// SPDX-License-Identifier: Apache-2.0
// AES-CBC + HMAC record engine for the TLS 1.2 MAC-then-encrypt suites (RFC 5246 §6.2.3.2):
// AES-128/256-CBC with HMAC-SHA-1 or HMAC-SHA-256, behind the common record-engine port list.
// Seal: plaintext in; HMAC over aad(13) || plaintext, then plaintext || MAC || padding encrypted in
// CBC under job_iv_i; out = the ciphertext blocks. Open: ciphertext after the explicit IV in;
// out = every decrypted block; done_ok_o = padding and MAC good, checked in a number of clocks that
// depends only on job_len. It does not write the explicit IV, pick IVs or keep keys between jobs.
//
// Implementation notes.
// - Vocabulary. P: the plaintext bytes (open: the decrypted fragment). n: plaintext length (seal:
//   job_len; open: job_len - maclen - pad - 1). S: the inner-hash message after the ipad block,
//   aad'(13) || P[0..n) || 0x80 || 0* || bitlen, where aad' is job_aad_i (open: its last two bytes
//   replaced by n) and bitlen = (64 + 13 + n) * 8 sits in the last 8 bytes of block e = (n+21)/64.
// - The feeder builds S 16 bytes at a time from source words (seal: the input beats; open: the
//   plaintext buffer) with a 13-byte carry, masks each byte by its position (data, 0x80, zero,
//   length), and packs four words into a block for the SHA core. It always runs nblk blocks:
//   seal nblk = e + 1; open nblk = (nmax+21)/64 + 1 with nmax = job_len - maclen - 1, a function
//   of job_len only. The chaining value after block e is kept with a mux; later blocks are
//   hashed and thrown away (the Lucky13 countermeasure: the same compressions whatever the pad).
// - Open keeps the decrypted record in a buffer (BufWords x 16 bytes, 18 KiB by default) because
//   the AAD at the start of S holds n, known only from the last byte. After the hash, a tail pass
//   reads the last 18 words (a fixed window: MAC and padding always lie there) and compares MAC
//   and padding bytes by position, accumulating an OR of differences. Every loop bound in open
//   comes from job_len; the pad value only steers muxes.
// - HMAC: ipad block, opad block (its state kept for the end), nblk inner blocks, one outer
//   block: nblk + 3 compressions per record (keys are not kept between jobs). SHA cores run
//   ShaRoundsPerClk rounds per clock (default 2: 33 clocks per SHA-256 block, 41 per SHA-1
//   block). AES: key expansion per job, 1 round per clock, 11 (AES-128) or 15 (AES-256) clocks
//   per block back to back (a two-entry output FIFO absorbs the hand-over).
// - Rates measured by hw/tb/cbc_tb.cpp on 16 KiB records, clocks per byte (seal / open):
//   AES128-SHA 0.70 / 1.35, AES256-SHA 0.95 / 1.60, AES128-SHA256 0.70 / 1.23,
//   AES256-SHA256 0.95 / 1.48. Seal runs cipher and hash side by side (cipher-bound); open
//   decrypts, then hashes (the sum).
// - Protocol errors (unknown alg, aad_len not 13, job_len not a multiple of 16 or too long for
//   the buffer on open, a seal whose output would not fit done_len_o, in_last_i on the wrong beat)
//   run the job to completion and give done_ok_o = 0. Open failures report done_len_o = 0.
module cbc_hmac_engine
  import ftls_alg_pkg::*;
#(
  // Open buffer: 18432 bytes = 2^14 + 2048, the largest TLS 1.2 fragment (RFC 5246 §6.2.3).
  parameter int unsigned BufWords = 1152,
  parameter int unsigned ShaRoundsPerClk = 2  // SHA-1 and SHA-256 rounds per clock: 1, 2 or 4
) (
  input  logic         clk_i,
  input  logic         rst_ni,
  input  logic         job_valid_i,
  output logic         job_ready_o,
  input  logic         job_open_i,
  input  logic [3:0]   job_alg_i,
  input  logic [255:0] job_key_i,
  input  logic [383:0] job_mac_key_i,
  input  logic [95:0]  job_nonce_i,
  input  logic [127:0] job_iv_i,
  input  logic [103:0] job_aad_i,
  input  logic [3:0]   job_aad_len_i,
  input  logic [127:0] job_tag_i,
  input  logic [15:0]  job_len_i,
  input  logic         in_valid_i,
  output logic         in_ready_o,
  input  logic [127:0] in_data_i,
  input  logic         in_last_i,
  output logic         out_valid_o,
  input  logic         out_ready_i,
  output logic [127:0] out_data_o,
  output logic         out_last_o,
  output logic         done_valid_o,
  input  logic         done_ready_i,
  output logic         done_ok_o,
  output logic [15:0]  done_len_o,
  output logic [127:0] done_tag_o
);
  localparam int unsigned AddrW = $clog2(BufWords);
  localparam int unsigned TailWords = 18;  // covers maclen + 256 bytes before the end, misaligned

  typedef enum logic [3:0] {
    StIdle, StSetup, StSealData, StSealHash, StSealTail, StOpenData, StOpenCalc, StOpenHash,
    StOpenTail, StOpenCheck, StDone, StError
  } state_e;

  typedef enum logic [2:0] {
    HIdle, HIpad, HInner, HOpad, HOuter, HDone
  } hphase_e;

  localparam logic [255:0] Sha1Iv = {160'h67452301_efcdab89_98badcfe_10325476_c3d2e1f0, 96'b0};
  localparam logic [255:0] Sha256Iv =
      256'h6a09e667_bb67ae85_3c6ef372_a54ff53a_510e527f_9b05688c_1f83d9ab_5be0cd19;

  state_e  state_q, state_d;
  hphase_e hph_q;

  // Job parameters.
  logic         open_q, sha1_q, err_q;
  logic [103:0] aad_q;
  logic [383:0] mac_key_q;
  logic [15:0]  len_q;
  logic [5:0]   maclen;
  logic [12:0]  nbeats_q;     // ceil(len / 16)
  logic [12:0]  nfull_q;      // seal: full plaintext beats encrypted as they arrive
  logic [16:0]  n_q;          // plaintext length
  logic [10:0]  nblk_q;       // inner blocks to hash
  logic [10:0]  e_q;          // the inner block whose chaining value is the digest
  logic [7:0]   pl_q;         // open: the pad length byte

  // ---------------------------------------------------------------------------------------------
  // Cores.
  logic         aes_key_load, aes_key_ready, aes_start, aes_dec, aes_ready, aes_done, wipe;
  logic [127:0] aes_in, aes_out;
  logic [255:0] aes_key_q;
  logic         aes256_q;

  aes_iter_core u_aes (
    .clk_i, .rst_ni,
    .key_load_i  (aes_key_load),
    .aes256_i    (aes256_q),
    .key_i       (aes_key_q),
    .key_ready_o (aes_key_ready),
    .start_i     (aes_start),
    .dec_i       (aes_dec),
    .blk_i       (aes_in),
    .ready_o     (aes_ready),
    .done_o      (aes_done),
    .blk_o       (aes_out),
    .wipe_i      (wipe)
  );

  logic         sha_start, s1_ready, s1_done, s2_ready, s2_done, sha_ready, sha_done;
  logic [255:0] sha_chain, sha_state;
  logic [511:0] sha_blk;
  logic [159:0] s1_state;
  logic [255:0] s2_state;

  sha1_core #(.RoundsPerClk(ShaRoundsPerClk)) u_sha1 (
    .clk_i, .rst_ni,
    .start_i (sha_start && sha1_q),
    .ready_o (s1_ready),
    .state_i (sha_chain[255:96]),
    .blk_i   (sha_blk),
    .done_o  (s1_done),
    .state_o (s1_state),
    .wipe_i  (wipe)
  );

  sha256_core #(.RoundsPerClk(ShaRoundsPerClk)) u_sha256 (
    .clk_i, .rst_ni,
    .start_i (sha_start && !sha1_q),
    .ready_o (s2_ready),
    .state_i (sha_chain),
    .blk_i   (sha_blk),
    .done_o  (s2_done),
    .state_o (s2_state),
    .wipe_i  (wipe)
  );

  assign sha_ready = sha1_q ? s1_ready : s2_ready;
  assign sha_done  = sha1_q ? s1_done : s2_done;
  assign sha_state = sha1_q ? {s1_state, 96'b0} : s2_state;
  assign maclen    = sha1_q ? 6'd20 : 6'd32;

  // ---------------------------------------------------------------------------------------------
  // Open buffer (one write port, one synchronous read port).
  logic [127:0] mem [BufWords];
  logic         mem_we;
  logic [AddrW-1:0] mem_waddr, mem_raddr;
  logic [127:0] mem_wdata, mem_rdata;

  always_ff @(posedge clk_i) begin
    if (mem_we) mem[mem_waddr] <= mem_wdata;
    mem_rdata <= mem[mem_raddr];
  end

  // ---------------------------------------------------------------------------------------------
  // Output register and CBC chaining.
  // A two-entry output FIFO lets the AES start its next block on the clock its result leaves:
  // a block starts only if at most one entry will be occupied, so its result always has room.
  logic [127:0] ofifo_data_q [2];
  logic [1:0]   ofifo_last_q;
  logic [1:0]   ocount_q, ocount_next;
  logic         opop, opush, opush_idx;
  logic [127:0] opush_data, chain_fwd;
  logic [127:0] cbc_q;        // previous ciphertext block (the IV at first)
  logic [127:0] cin_q;        // open: the ciphertext block being decrypted
  logic         aes_last_q;   // the block in the AES is the record's last output
  logic         aes_can_start;
  logic         aes_busy_q;   // between AES start and done
  logic [12:0]  bi_q;         // input beats taken
  logic [12:0]  wi_q;         // open: blocks decrypted (buffer write index)

  assign opop          = (ocount_q != 2'd0) && out_ready_i;
  assign opush         = aes_done;
  assign ocount_next   = ocount_q + {1'b0, opush} - {1'b0, opop};
  assign aes_can_start = aes_ready && (ocount_next <= 2'd1);
  assign opush_data    = open_q ? (aes_out ^ cbc_q) : aes_out;
  // The free slot after this clock's pop (never 2: a block only starts when one will be free).
  assign opush_idx     = (ocount_q != 2'd0) && !opop;
  // Seal: the block finishing this clock is the chaining value of the block starting now.
  assign chain_fwd     = (aes_done && !open_q) ? aes_out : cbc_q;

  // ---------------------------------------------------------------------------------------------
  // Feeder: builds S word by word and packs blocks for the SHA core.
  logic [12:0]  fk_q;         // next S word index
  logic [103:0] carry_q;      // bytes 3..15 of the previous source word (aad' at first)
  logic [383:0] fblk_q;       // S words already packed into the current block
  logic [1:0]   fw_q;         // words in fblk_q
  logic         feed_en, feed_step, feed_more, feed_can, feed_need_src, feed_src_ok;
  logic [127:0] feed_src, feed_word;
  logic [10:0]  hblk_q;       // inner blocks completed
  logic         rd_pend_q;    // open: a buffer read was issued for the current word
  logic [63:0]  bitlen;
  logic         hstart_q;     // single-block hash phases: started

  assign bitlen = ({47'b0, n_q} + 64'd77) << 3;
  assign feed_more = (fk_q < {nblk_q, 2'b00});
  assign feed_can = feed_more && (fw_q != 2'd3 || (hph_q == HInner && sha_ready));

  always_comb begin
    feed_word = {carry_q, feed_src[127:104]};
    for (int unsigned t = 0; t < 16; t++) begin
      logic [18:0] j;
      logic [7:0]  b;
      j = {2'b0, fk_q, 4'(t)};
      b = feed_word[127 - 8 * t -: 8];
      // aad' and P[0..n) pass; then the 0x80 terminator; then zeros (or the bit length below).
      if (j == 19'd13 + {2'b0, n_q}) b = 8'h80;
      else if (j > 19'd13 + {2'b0, n_q}) b = 8'h00;
      if (j[18:6] == {2'b0, e_q} && j[5:3] == 3'b111) b = bitlen[63 - 8 * j[2:0] -: 8];
      feed_word[127 - 8 * t -: 8] = b;
    end
  end

  // ---------------------------------------------------------------------------------------------
  // Hash sequencer.
  logic [511:0] key_blk;
  logic [255:0] chain_q, inner_q, mac_q, opad_q;
  logic [511:0] outer_blk;

  assign key_blk   = {mac_key_q & (sha1_q ? {{160{1'b1}}, 224'b0} : {{256{1'b1}}, 128'b0}), 128'b0};
  assign outer_blk = sha1_q ? {inner_q[255:96], 8'h80, 280'b0, 64'd672}
                            : {inner_q, 8'h80, 184'b0, 64'd768};

  always_comb begin
    sha_start = 1'b0;
    sha_chain = chain_q;
    sha_blk   = {fblk_q, feed_word};
    unique case (hph_q)
      HIpad: begin
        sha_start = !hstart_q && sha_ready;
        sha_chain = sha1_q ? Sha1Iv : Sha256Iv;
        sha_blk   = key_blk ^ {64{8'h36}};
      end
      HInner: sha_start = feed_step && (fw_q == 2'd3);
      HOpad: begin
        sha_start = !hstart_q && sha_ready;
        sha_chain = sha1_q ? Sha1Iv : Sha256Iv;
        sha_blk   = key_blk ^ {64{8'h5c}};
      end
      HOuter: begin
        sha_start = !hstart_q && sha_ready;
        sha_chain = opad_q;
        sha_blk   = outer_blk;
      end
      default: ;
    endcase
  end

  // ---------------------------------------------------------------------------------------------
  // Seal tail: the last partial plaintext beat, the MAC and the padding (2 to 4 blocks).
  logic [127:0] tailp_q;      // the partial last plaintext beat
  logic [511:0] tail_q;
  logic [2:0]   tail_n_q, tail_i_q;
  logic [4:0]   r_len;        // len % 16
  logic [3:0]   pv;           // pad value
  logic [6:0]   tlen;         // tail bytes
  logic [511:0] tail_d;

  assign r_len = {1'b0, len_q[3:0]};
  assign pv    = 4'(5'd0 - (r_len + 5'(maclen) + 5'd1));
  assign tlen  = 7'(r_len) + 7'(maclen) + 7'd1 + 7'(pv);

  always_comb begin
    for (int unsigned i = 0; i < 64; i++) begin
      logic [6:0] ii;
      ii = 7'(i);
      if (ii < 7'(r_len)) tail_d[511 - 8 * i -: 8] = tailp_q[127 - 8 * ii[3:0] -: 8];
      else if (ii < 7'(r_len) + 7'(maclen))
        tail_d[511 - 8 * i -: 8] = mac_q[255 - 8 * 5'(ii - 7'(r_len)) -: 8];
      else tail_d[511 - 8 * i -: 8] = {4'b0, pv};
    end
  end

  // ---------------------------------------------------------------------------------------------
  // Open tail pass: MAC and padding compared by byte position.
  logic [12:0]  tw_q;         // word being checked
  logic [12:0]  tw_end;
  logic         diff_q, good_len_q, tail_step;
  logic         diff_word;
  logic [12:0]  unused_d;

  assign tw_end = nbeats_q;
  always_comb begin
    diff_word = 1'b0;
    unused_d  = '0;
    for (int unsigned t = 0; t < 16; t++) begin
      logic [17:0] m, d;
      logic [7:0]  b;
      m = {1'b0, tw_q, 4'(t)};
      d = m - {1'b0, n_q};
      b = mem_rdata[127 - 8 * t -: 8];
      unused_d = unused_d | d[17:5];
      if (m >= {1'b0, n_q} && m < {1'b0, n_q} + 18'(maclen))
        diff_word = diff_word | (b != mac_q[255 - 8 * d[4:0] -: 8]);
      else if (m >= {1'b0, n_q} + 18'(maclen) && m < {2'b0, len_q})
        diff_word = diff_word | (b != pl_q);
    end
  end

  // ---------------------------------------------------------------------------------------------
  // Control.
  logic in_fire, in_last_beat, ok_q;
  logic [15:0] out_len_q;

  assign in_last_beat = (bi_q + 13'd1 == nbeats_q);

  always_comb begin
    in_ready_o = 1'b0;
    unique case (state_q)
      // Seal: a full beat needs the AES; every beat needs a feeder step.
      StSealData: in_ready_o = (bi_q < nbeats_q) && feed_can && (bi_q >= nfull_q || aes_can_start);
      StOpenData: in_ready_o = (bi_q < nbeats_q) && aes_can_start;
      default: ;
    endcase
  end
  assign in_fire = in_valid_i && in_ready_o;

  // Feeder source and step.
  always_comb begin
    feed_en       = 1'b0;
    feed_src      = '0;
    feed_need_src = 1'b0;
    feed_src_ok   = 1'b1;
    unique case (state_q)
      StSealData, StSealHash: begin
        feed_en       = 1'b1;
        feed_need_src = (fk_q < nbeats_q);
        feed_src      = in_data_i;
        feed_src_ok   = !feed_need_src || in_fire;
      end
      StOpenHash: begin
        feed_en       = 1'b1;
        feed_need_src = (fk_q < nbeats_q);
        feed_src      = feed_need_src ? mem_rdata : '0;
        feed_src_ok   = !feed_need_src || rd_pend_q;
      end
      default: ;
    endcase
  end
  assign feed_step = feed_en && feed_can && feed_src_ok;

  assign aes_dec = open_q;
  always_comb begin
    aes_start  = 1'b0;
    aes_in     = in_data_i ^ chain_fwd;
    unique case (state_q)
      StSealData: aes_start = in_fire && (bi_q < nfull_q);
      StSealTail: begin
        aes_start = (tail_i_q < tail_n_q) && aes_can_start;
        aes_in    = tail_q[511 - 128 * tail_i_q[1:0] -: 128] ^ chain_fwd;
      end
      StOpenData: begin
        aes_start = in_fire;
        aes_in    = in_data_i;
      end
      default: ;
    endcase
  end

  assign mem_we    = aes_done && open_q && (wi_q < 13'(BufWords));
  assign mem_waddr = AddrW'(wi_q);
  assign mem_wdata = aes_out ^ cbc_q;
  assign mem_raddr = (state_q == StOpenTail) ? AddrW'(tw_q) : AddrW'(fk_q);
  assign tail_step = (state_q == StOpenTail) && rd_pend_q;

  assign job_ready_o  = (state_q == StIdle);
  assign out_valid_o  = (ocount_q != 2'd0);
  assign out_data_o   = ofifo_data_q[0];
  assign out_last_o   = ofifo_last_q[0];
  assign done_valid_o = (state_q == StDone) && (ocount_q == 2'd0);
  assign done_ok_o    = ok_q;
  assign done_len_o   = out_len_q;
  assign done_tag_o   = '0;
  assign wipe         = done_valid_o && done_ready_i;
  assign aes_key_load = (state_q == StSetup);

  always_comb begin
    state_d = state_q;
    unique case (state_q)
      StIdle:      if (job_valid_i) state_d = StSetup;
      StSetup:     state_d = open_q ? StOpenData : StSealData;
      StSealData:  if ((in_fire && in_last_beat) || nbeats_q == 13'd0) state_d = StSealHash;
      StSealHash:  if (hph_q == HDone) state_d = StSealTail;
      StSealTail:  if (tail_i_q == tail_n_q && !aes_busy_q) state_d = StDone;
      StOpenData:  if (wi_q == nbeats_q && !aes_busy_q) state_d = StOpenCalc;
      StOpenCalc:  state_d = StOpenHash;
      StOpenHash:  if (hph_q == HDone) state_d = StOpenTail;
      StOpenTail:  if (tw_q == tw_end && !rd_pend_q) state_d = StOpenCheck;
      StOpenCheck: state_d = StDone;
      StDone:      if (done_valid_o && done_ready_i) state_d = StIdle;
      default:     state_d = StError;
    endcase
  end


  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      state_q     <= StIdle;
      hph_q       <= HIdle;
      open_q      <= 1'b0;
      sha1_q      <= 1'b0;
      err_q       <= 1'b0;
      aad_q       <= '0;
      mac_key_q   <= '0;
      len_q       <= '0;
      nbeats_q    <= '0;
      nfull_q     <= '0;
      n_q         <= '0;
      nblk_q      <= '0;
      e_q         <= '0;
      pl_q        <= '0;
      aes_key_q   <= '0;
      aes256_q    <= 1'b0;
      ofifo_data_q[0] <= '0;
      ofifo_data_q[1] <= '0;
      ofifo_last_q    <= '0;
      ocount_q        <= '0;
      cbc_q       <= '0;
      cin_q       <= '0;
      aes_last_q  <= 1'b0;
      aes_busy_q  <= 1'b0;
      bi_q        <= '0;
      wi_q        <= '0;
      fk_q        <= '0;
      carry_q     <= '0;
      fblk_q      <= '0;
      fw_q        <= '0;
      hblk_q      <= '0;
      rd_pend_q   <= 1'b0;
      hstart_q    <= 1'b0;
      chain_q     <= '0;
      inner_q     <= '0;
      opad_q      <= '0;
      mac_q       <= '0;
      tailp_q     <= '0;
      tail_q      <= '0;
      tail_n_q    <= '0;
      tail_i_q    <= '0;
      tw_q        <= '0;
      diff_q      <= 1'b0;
      good_len_q  <= 1'b0;
      ok_q        <= 1'b0;
      out_len_q   <= '0;
    end else begin
      state_q <= state_d;
      ocount_q <= ocount_next;
      if (opop) begin
        ofifo_data_q[0] <= ofifo_data_q[1];
        ofifo_last_q[0] <= ofifo_last_q[1];
      end
      if (opush) begin
        ofifo_data_q[opush_idx] <= opush_data;
        ofifo_last_q[opush_idx] <= aes_last_q;
      end

      // Job acceptance: latch and decode.
      if (state_q == StIdle && job_valid_i) begin
        logic [16:0] nmax;
        logic        is_sha1, known;
        known   = (job_alg_i == AlgAes128CbcSha1) || (job_alg_i == AlgAes256CbcSha1) ||
                  (job_alg_i == AlgAes128CbcSha256) || (job_alg_i == AlgAes256CbcSha256);
        is_sha1 = (job_alg_i == AlgAes128CbcSha1) || (job_alg_i == AlgAes256CbcSha1);
        open_q    <= job_open_i;
        sha1_q    <= is_sha1;
        aes256_q  <= (job_alg_i == AlgAes256CbcSha1) || (job_alg_i == AlgAes256CbcSha256);
        aes_key_q <= job_key_i;
        mac_key_q <= job_mac_key_i;
        aad_q     <= job_aad_i;
        len_q     <= job_len_i;
        nbeats_q  <= 13'((17'(job_len_i) + 17'd15) >> 4);
        nfull_q   <= job_open_i ? 13'((17'(job_len_i) + 17'd15) >> 4) : 13'(job_len_i >> 4);
        // Seal output (len + MAC + padding, rounded up) must fit done_len_o's 16 bits.
        err_q     <= !known || (job_aad_len_i != 4'd13) ||
                     (job_open_i && (job_len_i[3:0] != 4'd0 || job_len_i == 16'd0 ||
                                     17'(job_len_i) > 17'(16 * BufWords))) ||
                     (!job_open_i && job_len_i > 16'd65472);
        // Seal: n = len. Open: the block count comes from the largest possible n (pad = 0).
        nmax = (17'(job_len_i) >= (is_sha1 ? 17'd21 : 17'd33)) ?
               17'(job_len_i) - (is_sha1 ? 17'd21 : 17'd33) : 17'd0;
        if (job_open_i) begin
          n_q    <= nmax;
          nblk_q <= 11'((nmax + 17'd21) >> 6) + 11'd1;
        end else begin
          n_q    <= 17'(job_len_i);
          nblk_q <= 11'((17'(job_len_i) + 17'd21) >> 6) + 11'd1;
          e_q    <= 11'((17'(job_len_i) + 17'd21) >> 6);
        end
        cbc_q      <= job_iv_i;
        bi_q       <= '0;
        wi_q       <= '0;
        fk_q       <= '0;
        fw_q       <= '0;
        hblk_q     <= '0;
        rd_pend_q  <= 1'b0;
        hstart_q   <= 1'b0;
        carry_q    <= job_aad_i;
        tail_i_q   <= '0;
        diff_q     <= 1'b0;
        good_len_q <= 1'b0;
        ok_q       <= 1'b0;
        aes_busy_q <= 1'b0;
        pl_q       <= '0;
        hph_q      <= HIpad;
      end

      // Input beats.
      if (in_fire) begin
        bi_q <= bi_q + 13'd1;
        if (in_last_i != in_last_beat) err_q <= 1'b1;
        if (!open_q && bi_q >= nfull_q) tailp_q <= in_data_i;
        if (open_q) cin_q <= in_data_i;
      end

      // AES done, then start (a block may start on the clock the previous one finishes).
      if (aes_done) begin
        aes_busy_q <= 1'b0;
        if (open_q) begin
          cbc_q <= cin_q;
          wi_q  <= wi_q + 13'd1;
          pl_q  <= aes_out[7:0] ^ cbc_q[7:0];
        end else begin
          cbc_q <= aes_out;
        end
      end
      if (aes_start && aes_ready) begin
        aes_busy_q <= 1'b1;
        aes_last_q <= (state_q == StSealTail) ? (tail_i_q + 3'd1 == tail_n_q)
                                              : (open_q && in_last_beat);
        if (state_q == StSealTail) tail_i_q <= tail_i_q + 3'd1;
      end

      // Feeder.
      if (feed_step) begin
        carry_q <= feed_src[103:0];
        fk_q    <= fk_q + 13'd1;
        fw_q    <= fw_q + 2'd1;
        if (fw_q != 2'd3) fblk_q[383 - 128 * fw_q -: 128] <= feed_word;
        rd_pend_q <= 1'b0;
      end else if (state_q == StOpenHash && feed_more && feed_need_src && !rd_pend_q) begin
        rd_pend_q <= 1'b1;  // mem_rdata holds buffer word fk_q from the next clock
      end

      // Hash sequencer.
      unique case (hph_q)
        HIpad, HOpad, HOuter: begin
          if (sha_start) hstart_q <= 1'b1;
          if (sha_done) begin
            hstart_q <= 1'b0;
            unique case (hph_q)
              HIpad: begin
                chain_q <= sha_state;
                hph_q   <= HOpad;
              end
              HOpad: begin
                // The opad state is computed up front, while the SHA core would wait for data.
                opad_q <= sha_state;
                hph_q  <= HInner;
              end
              default: begin
                mac_q <= sha_state;
                hph_q <= HDone;
              end
            endcase
          end
        end
        HInner: if (sha_done) begin
          chain_q <= sha_state;
          hblk_q  <= hblk_q + 11'd1;
          // Keep the chaining value after block e; the blocks after it change nothing.
          if (hblk_q == e_q) inner_q <= sha_state;
          if (hblk_q + 11'd1 == nblk_q) hph_q <= HOuter;
        end
        default: ;
      endcase

      unique case (state_q)
        StSealHash: if (hph_q == HDone) begin
          tail_q   <= tail_d;
          tail_n_q <= 3'(tlen >> 4);
          tail_i_q <= '0;
          out_len_q <= 16'({nfull_q, 4'b0}) + 16'(tlen);
        end
        StOpenCalc: begin
          // n = len - maclen - pad - 1 when that is possible; else pretend pad = 0 (same timing).
          logic [17:0] need;
          need = 18'(maclen) + 18'(pl_q) + 18'd1;
          good_len_q <= (18'(len_q) >= need);
          if (18'(len_q) >= need) begin
            n_q <= 17'(18'(len_q) - need);
            e_q <= 11'((17'(18'(len_q) - need) + 17'd21) >> 6);
            carry_q <= {aad_q[103:16], 16'(18'(len_q) - need)};
          end else begin
            e_q <= 11'((n_q + 17'd21) >> 6);
            carry_q <= {aad_q[103:16], n_q[15:0]};
          end
          rd_pend_q <= 1'b0;
          tw_q <= (nbeats_q > 13'(TailWords)) ? nbeats_q - 13'(TailWords) : 13'd0;
        end
        StOpenTail: begin
          if (!rd_pend_q && tw_q != tw_end) rd_pend_q <= 1'b1;
          if (tail_step) begin
            diff_q    <= diff_q | diff_word;
            tw_q      <= tw_q + 13'd1;
            rd_pend_q <= 1'b0;
          end
        end
        StOpenCheck: begin
          ok_q      <= !err_q && good_len_q && !diff_q;
          out_len_q <= (!err_q && good_len_q && !diff_q) ? n_q[15:0] : 16'd0;
        end
        StSealTail: if (state_d == StDone) ok_q <= !err_q;
        default: ;
      endcase

      if (wipe) begin
        aes_key_q <= '0;
        mac_key_q <= '0;
        chain_q   <= '0;
        inner_q   <= '0;
        opad_q    <= '0;
        mac_q     <= '0;
        tail_q    <= '0;
        tailp_q   <= '0;
        hph_q     <= HIdle;
      end
    end
  end

  // AEAD-only inputs; this engine has no nonce and no received tag (the MAC is inside the record).
  logic unused_inputs;
  assign unused_inputs = ^{job_nonce_i, job_tag_i, aes_key_ready, aad_q[15:0]};
endmodule
