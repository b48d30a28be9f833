// SPDX-License-Identifier: Apache-2.0
// One record context of the CBC+HMAC engine (cbc_hmac_engine): everything one TLS 1.2 CBC record
// needs except the AES rounds, which run in the engine's shared pipeline (aes_pipe). It holds the
// job's parameters, its AES key schedule (expanded here, one round key per clock alongside the
// load, into the pipeline's key memories; the context keeps only the last two round keys while it
// runs, and wipes its pipeline keys when the record is freed), its HMAC state with a SHA-1 and a SHA-256 core, its CBC chaining value and a record buffer.
// Seal: the plaintext beats are written to the buffer; as soon as they are there the feeder hashes
// them while the blocks go, one at a time (CBC encryption is serial), through the pipeline, each
// ciphertext block written back over its plaintext word (only once the feeder has read that word;
// the engine holds input beats back on the clock a block comes back); then the MAC and padding
// blocks. Open: the ciphertext beats go through the pipeline as they arrive (the
// engine issues them) and the plaintext lands in the buffer; then the hash over a number of blocks
// fixed by job_len and a fixed tail window that compares MAC and padding by position (Lucky13).
// Either way the record then waits in the buffer until the engine drains it in job order.
// Not here: scheduling between contexts, the output order (cbc_hmac_engine).
module cbc_ctx
  import ftls_alg_pkg::*;
  import ftls_aes_pkg::*;
#(
  parameter int unsigned BufWords = 1156,
  parameter int unsigned ShaRoundsPerClk = 2
) (
  input  logic         clk_i,
  input  logic         rst_ni,
  // Job start (the engine's job fields on the accept clock).
  input  logic         start_i,
  input  logic         job_open_i,
  input  logic [3:0]   job_alg_i,
  input  logic [255:0] job_key_i,
  input  logic [383:0] job_mac_key_i,
  input  logic [127:0] job_iv_i,
  input  logic [103:0] job_aad_i,
  input  logic [3:0]   job_aad_len_i,
  input  logic [15:0]  job_len_i,
  // Load: this record's input beats.
  input  logic         ld_fire_i,
  input  logic [127:0] ld_data_i,
  input  logic         ld_last_i,
  output logic         ld_more_o,    // input beats still expected
  output logic         open_o,
  output logic         a256_o,
  output logic         key_ready_o,
  output logic [12:0]  ld_idx_o,     // index of the next input beat
  output logic [127:0] prev_o,       // open: the ciphertext block before the next one (IV at first)
  // Seal: one block at a time for the pipeline.
  output logic         rq_valid_o,
  output logic [127:0] rq_data_o,
  output logic [12:0]  rq_idx_o,
  input  logic         rq_grant_i,
  // Pipeline results for this context (open: already XORed with the previous ciphertext).
  input  logic         ex_valid_i,
  input  logic [127:0] ex_data_i,
  input  logic [12:0]  ex_idx_i,
  // Round keys for the pipeline's key memories (aes_pipe kw_ port, through the engine): each
  // round key 0..Nr in turn after start, and one wipe of this context after free (before the next
  // record's keys).
  output logic         kw_valid_o,
  output logic         kw_zero_o,
  output logic [3:0]   kw_idx_o,
  output logic [127:0] kw_key_o,
  input  logic         kw_grant_i,
  // Finished: waiting to be drained (nout_o words from the buffer), then freed.
  output logic         fin_o,
  output logic [12:0]  nout_o,
  output logic         ok_o,
  output logic [15:0]  len_o,
  input  logic         dr_rd_i,
  input  logic [12:0]  dr_addr_i,
  output logic [127:0] rdata_o,
  input  logic         free_i
);
  localparam int unsigned AddrW = $clog2(BufWords);
  localparam int unsigned TailWords = 18;  // covers maclen + 256 bytes before the end, misaligned

  typedef enum logic [3:0] {
    CIdle, CLoad, CSeal, CSealTail, COpenCalc, COpenHash, COpenTail, COpenCheck, CFin
  } cst_e;

  typedef enum logic [2:0] {
    HIdle, HIpad, HInner, HOpad, HOuter, HDone
  } hphase_e;

  typedef enum logic [1:0] {RdNone, RdAes, RdFeed, RdTail} rd_e;

  localparam logic [255:0] Sha1Iv = {160'h67452301_efcdab89_98badcfe_10325476_c3d2e1f0, 96'b0};
  localparam logic [255:0] Sha256Iv =
      256'h6a09e667_bb67ae85_3c6ef372_a54ff53a_510e527f_9b05688c_1f83d9ab_5be0cd19;

  cst_e    st_q;
  hphase_e hph_q;
  rd_e     rd_q, rd_d;

  // Job parameters.
  logic         open_q, sha1_q, a256_q, err_q, big_q;
  logic [103:0] aad_q;
  logic [383:0] mac_key_q;
  logic [15:0]  len_q;
  logic [5:0]   maclen;
  logic [12:0]  nbeats_q;     // ceil(len / 16)
  logic [12:0]  nfull_q;      // seal: full plaintext beats
  logic [16:0]  n_q;          // plaintext length
  logic [10:0]  nblk_q;       // inner blocks to hash
  logic [10:0]  e_q;          // the inner block whose chaining value is the digest
  logic [7:0]   pl_q;         // open: the pad length byte

  // ---------------------------------------------------------------------------------------------
  // Round keys: expanded one per granted write after start (FIPS 197 §5.2). rk_cur_q is round key
  // kidx_q (the one offered), rk_prv_q the one before (AES-256: round key 1 at first).
  logic [127:0] rk_cur_q, rk_prv_q;
  logic         kexp_q, key_ready_q, kwipe_q;
  logic [3:0]   kidx_q, nr;
  logic [7:0]   rcon_q;

  assign nr          = a256_q ? 4'd14 : 4'd10;
  assign key_ready_o = key_ready_q;
  assign kw_valid_o  = kwipe_q || kexp_q;
  assign kw_zero_o   = kwipe_q;
  assign kw_idx_o    = kidx_q;
  assign kw_key_o    = kwipe_q ? '0 : rk_cur_q;

  // ---------------------------------------------------------------------------------------------
  // SHA cores.
  logic         sha_start, s1_ready, s1_done, s2_ready, s2_done, sha_ready, sha_done, wipe;
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
  // Record buffer: one write port, one synchronous read port shared by the AES prefetch, the
  // feeder, the open tail pass and the drain (one reader per clock, the data the clock after).
  logic [127:0]     mem [BufWords];
  logic             mem_we;
  logic [12:0]      mem_widx;
  logic [AddrW-1:0] mem_raddr;
  logic [127:0]     mem_wdata, mem_rdata;

  always_ff @(posedge clk_i) begin
    if (mem_we) mem[AddrW'(mem_widx)] <= mem_wdata;
    mem_rdata <= mem[mem_raddr];
  end
  assign rdata_o = mem_rdata;

  // ---------------------------------------------------------------------------------------------
  // Feeder: builds S (aad' || P || 0x80 || 0* || bitlen) word by word from the buffer and packs
  // blocks for the SHA core; it always hashes nblk blocks and keeps the chaining value after e.
  logic [12:0]  fk_q;         // next S word index (= the buffer word it takes)
  logic [103:0] carry_q;
  logic [383:0] fblk_q;
  logic [1:0]   fw_q;
  logic [127:0] fsrc_q;       // buffer word fk_q, once fetched
  logic         fsrc_v_q;
  logic         feed_en, feed_step, feed_more, feed_can, feed_need_src, feed_src_ok;
  logic [127:0] feed_src, feed_word;
  logic [10:0]  hblk_q;
  logic [63:0]  bitlen;
  logic         hstart_q;

  assign bitlen        = ({47'b0, n_q} + 64'd77) << 3;
  assign feed_more     = (fk_q < {nblk_q, 2'b00});
  assign feed_can      = feed_more && (fw_q != 2'd3 || (hph_q == HInner && sha_ready));
  assign feed_en       = (st_q == CSeal) || (st_q == COpenHash);
  assign feed_need_src = (fk_q < nbeats_q);
  assign feed_src      = feed_need_src ? fsrc_q : '0;
  assign feed_src_ok   = !feed_need_src || fsrc_v_q;
  assign feed_step     = feed_en && feed_can && feed_src_ok;

  // S word fk from the carried and new bytes: past aad' || P the 0x80 terminator, then zeros, and
  // the bit length in the last 8 bytes of block e.
  function automatic logic [127:0] s_word(logic [127:0] raw, logic [12:0] fk, logic [16:0] n,
                                          logic [10:0] e, logic [63:0] bl);
    logic [127:0] wd;
    wd = raw;
    for (int unsigned t = 0; t < 16; t++) begin
      logic [18:0] j;
      logic [7:0]  b;
      j = {2'b0, fk, 4'(t)};
      b = wd[127 - 8 * t -: 8];
      if (j == 19'd13 + {2'b0, n}) b = 8'h80;
      else if (j > 19'd13 + {2'b0, n}) b = 8'h00;
      if (j[18:6] == {2'b0, e} && j[5:3] == 3'b111) b = bl[{~j[2:0], 3'b111} -: 8];
      wd[127 - 8 * t -: 8] = b;
    end
    s_word = wd;
  endfunction

  always_comb begin
    feed_word = {carry_q, feed_src[127:104]};
    if (feed_en) feed_word = s_word({carry_q, feed_src[127:104]}, fk_q, n_q, e_q, bitlen);
  end

  // ---------------------------------------------------------------------------------------------
  // Hash sequencer: ipad and opad blocks first (they run during the load), then the inner blocks,
  // then the outer block.
  logic [511:0] key_blk;
  logic [255:0] chain_h_q, inner_q, mac_q, opad_q;
  logic [511:0] outer_blk;

  assign key_blk   = {mac_key_q & (sha1_q ? {{160{1'b1}}, 224'b0} : {{256{1'b1}}, 128'b0}), 128'b0};
  assign outer_blk = sha1_q ? {inner_q[255:96], 8'h80, 280'b0, 64'd672}
                            : {inner_q, 8'h80, 184'b0, 64'd768};

  always_comb begin
    sha_start = 1'b0;
    sha_chain = chain_h_q;
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
  // Seal: CBC blocks. The next plaintext word is prefetched (pn) while a block is in the pipeline.
  logic [12:0]  bi_q;         // input beats taken
  logic [12:0]  wi_q;         // open: blocks back from the pipeline
  logic [12:0]  af_q;         // seal: next buffer word to prefetch
  logic [12:0]  ab_q;         // seal: next block to send
  logic [127:0] pn_q, chain_q, prev_q;
  logic         pn_v_q, infl_q;
  logic         a_req, f_req, t_req;

  // Seal tail: the last partial plaintext beat, the MAC and the padding (2 to 4 blocks).
  logic [127:0] tailp_q;
  logic [511:0] tail_q;
  logic [2:0]   tail_n_q, tail_i_q;
  logic [4:0]   r_len;
  logic [3:0]   pv;
  logic [6:0]   tlen;

  assign r_len = {1'b0, len_q[3:0]};
  assign pv    = 4'(5'd0 - (r_len + 5'(maclen) + 5'd1));
  assign tlen  = 7'(r_len) + 7'(maclen) + 7'd1 + 7'(pv);

  // The tail blocks: the partial last plaintext beat, the MAC, the padding.
  // (Variable selects are written as muxes (a loop over the MAC bytes, case statements), not as a
  // part-select with a computed index, which synthesis turns into a wide shifter; and without a
  // function call inside a loop, which yosys 0.23 gets wrong.)
  function automatic logic [511:0] tail_blocks(logic [127:0] tp, logic [255:0] mac, logic [4:0] rl,
                                               logic [5:0] ml, logic [3:0] padv);
    logic [511:0] t;
    for (int unsigned i = 0; i < 64; i++) begin
      logic [6:0] ii;
      logic [4:0] k;
      logic [7:0] mb;
      ii = 7'(i);
      k  = 5'(ii - 7'(rl));  // MAC byte k
      mb = mac[255:248];
      for (int unsigned q = 1; q < 32; q++) if (k == 5'(q)) mb = mac[255 - 8 * q -: 8];
      if (ii < 7'(rl)) t[511 - 8 * i -: 8] = tp[127 - 8 * ii[3:0] -: 8];
      else if (ii < 7'(rl) + 7'(ml)) t[511 - 8 * i -: 8] = mb;
      else t[511 - 8 * i -: 8] = {4'b0, padv};
    end
    tail_blocks = t;
  endfunction

  always_comb begin
    rq_valid_o = 1'b0;
    rq_data_o  = pn_q ^ chain_q;
    rq_idx_o   = ab_q;
    unique case (st_q)
      CSeal: rq_valid_o = pn_v_q && !infl_q && (ab_q < nfull_q) && key_ready_q;
      CSealTail: begin
        rq_valid_o = (tail_i_q < tail_n_q) && !infl_q;
        unique case (tail_i_q[1:0])
          2'd0: rq_data_o = tail_q[511:384] ^ chain_q;
          2'd1: rq_data_o = tail_q[383:256] ^ chain_q;
          2'd2: rq_data_o = tail_q[255:128] ^ chain_q;
          default: rq_data_o = tail_q[127:0] ^ chain_q;
        endcase
        rq_idx_o   = nfull_q + 13'(tail_i_q);
      end
      default: ;
    endcase
  end

  // ---------------------------------------------------------------------------------------------
  // Open tail pass: MAC and padding compared by byte position over a fixed window.
  logic [12:0]  tw_q;
  logic         diff_q, good_len_q, diff_word;

  // Any difference in buffer word tw from the MAC (bytes n .. n+maclen) or the pad byte (up to
  // len); bytes elsewhere are not compared.
  function automatic logic word_diff(logic [127:0] wd, logic [12:0] tw, logic [16:0] n,
                                     logic [5:0] ml, logic [15:0] l, logic [255:0] mac,
                                     logic [7:0] pl);
    logic df;
    df = 1'b0;
    for (int unsigned t = 0; t < 16; t++) begin
      logic [17:0] m;
      logic [4:0]  d;
      logic [7:0]  b, mb;
      m = {1'b0, tw, 4'(t)};
      d = 5'(m - {1'b0, n});
      b = wd[127 - 8 * t -: 8];
      mb = mac[255:248];  // MAC byte d
      for (int unsigned q = 1; q < 32; q++) if (d == 5'(q)) mb = mac[255 - 8 * q -: 8];
      if (m >= {1'b0, n} && m < {1'b0, n} + 18'(ml)) df = df | (b != mb);
      else if (m >= {1'b0, n} + 18'(ml) && m < {2'b0, l}) df = df | (b != pl);
    end
    word_diff = df;
  endfunction

  always_comb begin
    diff_word = 1'b0;
    if (rd_q == RdTail) diff_word = word_diff(mem_rdata, tw_q, n_q, maclen, len_q, mac_q, pl_q);
  end

  // ---------------------------------------------------------------------------------------------
  // Buffer read arbitration: AES prefetch, then feeder, then tail pass; the drain when finished.
  assign a_req = (st_q == CSeal) && !pn_v_q && (rd_q != RdAes) && (af_q < nfull_q) && (af_q < fk_q);
  assign f_req = feed_en && feed_more && feed_need_src && !fsrc_v_q && (rd_q != RdFeed) &&
                 (fk_q < bi_q);
  assign t_req = (st_q == COpenTail) && (rd_q != RdTail) && (tw_q != nbeats_q);

  always_comb begin
    rd_d      = RdNone;
    mem_raddr = AddrW'(dr_addr_i);
    if (st_q == CFin) begin
      mem_raddr = AddrW'(dr_addr_i);
    end else if (a_req) begin
      rd_d      = RdAes;
      mem_raddr = AddrW'(af_q);
    end else if (f_req) begin
      rd_d      = RdFeed;
      mem_raddr = AddrW'(fk_q);
    end else if (t_req) begin
      rd_d      = RdTail;
      mem_raddr = AddrW'(tw_q);
    end
  end

  // Buffer writes: seal input beats, pipeline results.
  always_comb begin
    mem_we    = 1'b0;
    mem_widx  = ex_idx_i;
    mem_wdata = ex_data_i;
    if (ld_fire_i && !open_q) begin
      mem_we    = (bi_q < 13'(BufWords));
      mem_widx  = bi_q;
      mem_wdata = ld_data_i;
    end else if (ex_valid_i) begin
      mem_we = (ex_idx_i < 13'(BufWords));
    end
  end

  assign ld_more_o   = (st_q != CIdle) && (bi_q < nbeats_q);
  assign open_o      = open_q;
  assign a256_o      = a256_q;
  assign ld_idx_o    = bi_q;
  assign prev_o      = prev_q;
  assign fin_o       = (st_q == CFin);
  assign wipe        = free_i;

  // ---------------------------------------------------------------------------------------------
  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      st_q        <= CIdle;
      hph_q       <= HIdle;
      rd_q        <= RdNone;
      open_q      <= 1'b0;
      sha1_q      <= 1'b0;
      a256_q      <= 1'b0;
      err_q       <= 1'b0;
      big_q       <= 1'b0;
      aad_q       <= '0;
      mac_key_q   <= '0;
      len_q       <= '0;
      nbeats_q    <= '0;
      nfull_q     <= '0;
      n_q         <= '0;
      nblk_q      <= '0;
      e_q         <= '0;
      pl_q        <= '0;
      rk_cur_q    <= '0;
      rk_prv_q    <= '0;
      kexp_q      <= 1'b0;
      kwipe_q     <= 1'b0;
      key_ready_q <= 1'b0;
      kidx_q      <= '0;
      rcon_q      <= '0;
      fk_q        <= '0;
      carry_q     <= '0;
      fblk_q      <= '0;
      fw_q        <= '0;
      fsrc_q      <= '0;
      fsrc_v_q    <= 1'b0;
      hblk_q      <= '0;
      hstart_q    <= 1'b0;
      chain_h_q   <= '0;
      inner_q     <= '0;
      opad_q      <= '0;
      mac_q       <= '0;
      bi_q        <= '0;
      wi_q        <= '0;
      af_q        <= '0;
      ab_q        <= '0;
      pn_q        <= '0;
      pn_v_q      <= 1'b0;
      infl_q      <= 1'b0;
      chain_q     <= '0;
      prev_q      <= '0;
      tailp_q     <= '0;
      tail_q      <= '0;
      tail_n_q    <= '0;
      tail_i_q    <= '0;
      tw_q        <= '0;
      diff_q      <= 1'b0;
      good_len_q  <= 1'b0;
      ok_o        <= 1'b0;
      len_o       <= '0;
      nout_o      <= '0;
    end else begin
      rd_q <= rd_d;

      // Job start: latch and decode.
      if (start_i) begin
        logic [16:0] nmax;
        logic [17:0] seal_out;
        logic        is_sha1, known, is256;
        known   = (job_alg_i == AlgAes128CbcSha1) || (job_alg_i == AlgAes256CbcSha1) ||
                  (job_alg_i == AlgAes128CbcSha256) || (job_alg_i == AlgAes256CbcSha256);
        is_sha1 = (job_alg_i == AlgAes128CbcSha1) || (job_alg_i == AlgAes256CbcSha1);
        is256   = (job_alg_i == AlgAes256CbcSha1) || (job_alg_i == AlgAes256CbcSha256);
        // Seal output: len + MAC + padding, a multiple of 16.
        seal_out = (18'(job_len_i) + (is_sha1 ? 18'd21 : 18'd33) + 18'd15) & ~18'd15;
        st_q      <= job_open_i ? CLoad : CSeal;
        open_q    <= job_open_i;
        sha1_q    <= is_sha1;
        a256_q    <= is256;
        mac_key_q <= job_mac_key_i;
        aad_q     <= job_aad_i;
        len_q     <= job_len_i;
        nbeats_q  <= 13'((17'(job_len_i) + 17'd15) >> 4);
        nfull_q   <= job_open_i ? 13'((17'(job_len_i) + 17'd15) >> 4) : 13'(job_len_i >> 4);
        big_q     <= job_open_i ? (17'(job_len_i) > 17'(16 * BufWords))
                                : (seal_out > 18'(16 * BufWords));
        err_q     <= !known || (job_aad_len_i != 4'd13) ||
                     (job_open_i && (job_len_i[3:0] != 4'd0 || job_len_i == 16'd0 ||
                                     17'(job_len_i) > 17'(16 * BufWords))) ||
                     (!job_open_i && seal_out > 18'(16 * BufWords));
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
        rk_cur_q    <= job_key_i[255:128];
        rk_prv_q    <= job_key_i[127:0];
        kidx_q      <= '0;
        rcon_q      <= 8'h01;
        kexp_q      <= 1'b1;
        key_ready_q <= 1'b0;
        chain_q     <= job_iv_i;
        prev_q      <= job_iv_i;
        bi_q        <= '0;
        wi_q        <= '0;
        af_q        <= '0;
        ab_q        <= '0;
        pn_v_q      <= 1'b0;
        infl_q      <= 1'b0;
        fk_q        <= '0;
        fw_q        <= '0;
        fsrc_v_q    <= 1'b0;
        hblk_q      <= '0;
        hstart_q    <= 1'b0;
        carry_q     <= job_aad_i;
        tail_i_q    <= '0;
        diff_q      <= 1'b0;
        good_len_q  <= 1'b0;
        ok_o        <= 1'b0;
        len_o       <= '0;
        nout_o      <= '0;
        pl_q        <= '0;
        hph_q       <= HIpad;
      end

      // Key expansion: the offered round key is written on grant (a pending wipe of the previous
      // record's keys goes first), then the next one is computed.
      if (kw_grant_i && kwipe_q) begin
        kwipe_q <= 1'b0;
      end else if (kw_grant_i && kexp_q) begin
        kidx_q <= kidx_q + 4'd1;
        if (a256_q && kidx_q == 4'd0) begin
          rk_cur_q <= rk_prv_q;
          rk_prv_q <= rk_cur_q;
        end else begin
          // Round key kidx + 1: RotWord and Rcon on every AES-128 step, even AES-256 steps.
          rk_cur_q <= key_step(a256_q ? rk_prv_q : rk_cur_q, rk_cur_q[31:0],
                               !a256_q || kidx_q[0], rcon_q);
          rk_prv_q <= rk_cur_q;
          if (!a256_q || kidx_q[0]) rcon_q <= xtime(rcon_q);
        end
        if (kidx_q == nr) begin
          kexp_q      <= 1'b0;
          key_ready_q <= 1'b1;
          rk_cur_q    <= '0;
          rk_prv_q    <= '0;
        end
      end

      // Input beats.
      if (ld_fire_i) begin
        bi_q <= bi_q + 13'd1;
        if (ld_last_i != (bi_q + 13'd1 == nbeats_q)) err_q <= 1'b1;
        if (!open_q && bi_q >= nfull_q) tailp_q <= ld_data_i;
        if (open_q) prev_q <= ld_data_i;
      end

      // Buffer reads land.
      unique case (rd_q)
        RdAes: begin
          pn_q   <= mem_rdata;
          pn_v_q <= 1'b1;
        end
        RdFeed: begin
          fsrc_q   <= mem_rdata;
          fsrc_v_q <= 1'b1;
        end
        default: ;
      endcase
      if (rd_d == RdAes) af_q <= af_q + 13'd1;

      // Seal blocks out and back.
      if (rq_grant_i) begin
        infl_q <= 1'b1;
        if (st_q == CSeal) begin
          pn_v_q <= 1'b0;
          ab_q   <= ab_q + 13'd1;
        end else begin
          tail_i_q <= tail_i_q + 3'd1;
        end
      end
      if (ex_valid_i) begin
        infl_q  <= 1'b0;
        chain_q <= ex_data_i;
        if (open_q) begin
          wi_q <= wi_q + 13'd1;
          if (ex_idx_i + 13'd1 == nbeats_q) pl_q <= ex_data_i[7:0];
        end
      end

      // Feeder.
      if (feed_step) begin
        carry_q  <= feed_src[103:0];
        fk_q     <= fk_q + 13'd1;
        fw_q     <= fw_q + 2'd1;
        unique case (fw_q)
          2'd0: fblk_q[383:256] <= feed_word;
          2'd1: fblk_q[255:128] <= feed_word;
          2'd2: fblk_q[127:0]   <= feed_word;
          default: ;
        endcase
        if (feed_need_src) fsrc_v_q <= 1'b0;
      end

      // Hash sequencer.
      unique case (hph_q)
        HIpad, HOpad, HOuter: begin
          if (sha_start) hstart_q <= 1'b1;
          if (sha_done) begin
            hstart_q <= 1'b0;
            unique case (hph_q)
              HIpad: begin
                chain_h_q <= sha_state;
                hph_q     <= HOpad;
              end
              HOpad: begin
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
          chain_h_q <= sha_state;
          hblk_q    <= hblk_q + 11'd1;
          if (hblk_q == e_q) inner_q <= sha_state;
          if (hblk_q + 11'd1 == nblk_q) hph_q <= HOuter;
        end
        default: ;
      endcase

      // Record state.
      unique case (st_q)
        CLoad: if (wi_q == nbeats_q && bi_q == nbeats_q) st_q <= COpenCalc;
        CSeal: if (hph_q == HDone && ab_q == nfull_q && !infl_q) begin
          st_q     <= CSealTail;
          tail_q   <= tail_blocks(tailp_q, mac_q, r_len, maclen, pv);
          tail_n_q <= 3'(tlen >> 4);
          tail_i_q <= '0;
        end
        CSealTail: if (tail_i_q == tail_n_q && !infl_q && !rq_grant_i) begin
          st_q   <= CFin;
          ok_o   <= !err_q;
          len_o  <= 16'({nfull_q, 4'b0}) + 16'(tlen);
          nout_o <= big_q ? 13'd0 : nfull_q + 13'(tail_n_q);
        end
        COpenCalc: begin
          // n = len - maclen - pad - 1 when that is possible; else pretend pad = 0 (same timing).
          logic [17:0] need;
          need = 18'(maclen) + 18'(pl_q) + 18'd1;
          good_len_q <= (18'(len_q) >= need);
          if (18'(len_q) >= need) begin
            n_q     <= 17'(18'(len_q) - need);
            e_q     <= 11'((17'(18'(len_q) - need) + 17'd21) >> 6);
            carry_q <= {aad_q[103:16], 16'(18'(len_q) - need)};
          end else begin
            e_q     <= 11'((n_q + 17'd21) >> 6);
            carry_q <= {aad_q[103:16], n_q[15:0]};
          end
          tw_q <= (nbeats_q > 13'(TailWords)) ? nbeats_q - 13'(TailWords) : 13'd0;
          st_q <= COpenHash;
        end
        COpenHash: if (hph_q == HDone) st_q <= COpenTail;
        COpenTail: begin
          if (rd_q == RdTail) begin
            diff_q <= diff_q | diff_word;
            tw_q   <= tw_q + 13'd1;
          end
          if (tw_q == nbeats_q && rd_q != RdTail) st_q <= COpenCheck;
        end
        COpenCheck: begin
          st_q   <= CFin;
          ok_o   <= !err_q && good_len_q && !diff_q;
          len_o  <= (!err_q && good_len_q && !diff_q) ? n_q[15:0] : 16'd0;
          nout_o <= big_q ? 13'd0 : nbeats_q;
        end
        CFin: if (free_i) st_q <= CIdle;
        default: ;
      endcase

      if (wipe) begin
        rk_cur_q    <= '0;
        rk_prv_q    <= '0;
        kwipe_q     <= 1'b1;
        key_ready_q <= 1'b0;
        kexp_q      <= 1'b0;
        mac_key_q   <= '0;
        chain_h_q   <= '0;
        inner_q     <= '0;
        opad_q      <= '0;
        mac_q       <= '0;
        tail_q      <= '0;
        tailp_q     <= '0;
        pn_q        <= '0;
        fsrc_q      <= '0;
        fblk_q      <= '0;
        carry_q     <= '0;
        chain_q     <= '0;
        prev_q      <= '0;
        hph_q       <= HIdle;
      end
    end
  end

  logic unused_bits;
  assign unused_bits = ^{aad_q[15:0], dr_rd_i, dr_addr_i, mem_widx};
endmodule
