// SPDX-License-Identifier: BSD-3-Clause
// The crypto core's host interface: register block (hw/regs/ftls_regs.yaml), submission and
// completion rings in host memory, write-only key slots, TLS nonce construction from the
// descriptor's sequence number, and a DMA master that reads source bytes into the record engines
// (ftls_engines) and writes their output, tags and completions back. Not for: the cryptography
// itself (the engines) or the bus to the host (the simulator or a PCIe shell serves the register
// port and the two DMA channels).
//
// Implementation notes.
//  - One descriptor at a time, queues served round-robin. A descriptor is fetched (4 beats),
//    checked (opcode, AAD length, slot, alg, length), then its prefix (1.2 GCM explicit nonce or
//    CBC IV) and, for an AEAD open, the trailing 16-byte tag are read before the job starts; the
//    payload then streams through a 16-entry FIFO into the engine while the engine's output is
//    written out, so a long record moves 16 bytes per clock in each direction.
//  - Every descriptor completes, with an error status when it is bad; a bad descriptor never
//    starts an engine and a DMA error still feeds the engine the beats it expects, so no path
//    hangs the queue. Success is reported only when the engine's done_ok is set.
//  - DMA channels: a read request {addr, len 1..16} is answered, in order, by one response beat
//    with the bytes left-aligned (byte at addr in [127:120]) and an error flag; the core never has
//    more reads outstanding than it can take, so responses need no ready. A write request
//    {addr, len, data left-aligned} is acknowledged later by one response with an error flag;
//    the completion entry is written only after every earlier write is acknowledged, and its byte
//    15 (the phase) is the last byte of the entry.
//  - Key slots hold key, IV/salt, MAC key, alg and the TLS 1.3 flag; they are written only through
//    the key window + KEY_CMD and never read back by the host. LOAD zeroes the window.
module ftls_crypto_top
  import ftls_regs_pkg::*;
#(
  parameter int unsigned NQ = NumQueues,
  parameter int unsigned NSlots = NumKeySlots
) (
  input  logic         clk_i,
  input  logic         rst_ni,
  // Register port: one access per request; read data one clock later.
  input  logic         reg_valid_i,
  input  logic         reg_write_i,
  input  logic [11:0]  reg_addr_i,
  input  logic [31:0]  reg_wdata_i,
  output logic         reg_rvalid_o,
  output logic [31:0]  reg_rdata_o,
  // DMA read channel.
  output logic         rd_req_valid_o,
  input  logic         rd_req_ready_i,
  output logic [63:0]  rd_req_addr_o,
  output logic [4:0]   rd_req_len_o,
  input  logic         rd_resp_valid_i,
  input  logic [127:0] rd_resp_data_i,
  input  logic         rd_resp_err_i,
  // DMA write channel.
  output logic         wr_req_valid_o,
  input  logic         wr_req_ready_i,
  output logic [63:0]  wr_req_addr_o,
  output logic [4:0]   wr_req_len_o,
  output logic [127:0] wr_req_data_o,
  input  logic         wr_resp_valid_i,
  input  logic         wr_resp_err_i,
  // Activity, for the simulator's report.
  output logic         busy_o
);

  localparam int unsigned QW = (NQ > 1) ? $clog2(NQ) : 1;
  localparam int unsigned SW = $clog2(NSlots);
  localparam int unsigned FifoDepth = 16;

  typedef enum logic [3:0] {
    StIdle, StDescRd, StDescChk, StKeyChk, StPrefixRd, StTagRd, StJob, StStream, StTagWr,
    StWaitWr, StCpl, StCplWait
  } state_e;

  typedef enum logic [2:0] {RdDesc, RdPrefix, RdTag, RdPay} rphase_e;

  typedef struct packed {
    logic         tls13;
    logic [3:0]   alg;
    logic [255:0] key;
    logic [95:0]  iv;
    logic [383:0] mac;
  } slot_t;

  // ---------------------------------------------------------------------------------------------
  // Helpers on the 64-byte descriptor (byte i at [511 - 8i -: 8]).
  function automatic logic [63:0] le_field(input logic [511:0] d, input int unsigned off,
                                           input int unsigned size);
    logic [63:0] r;
    r = '0;
    for (int unsigned i = 0; i < 8; i++) if (i < size) r[8 * i +: 8] = d[511 - 8 * (off + i) -: 8];
    le_field = r;
  endfunction

  function automatic logic [127:0] be_field(input logic [511:0] d, input int unsigned off,
                                            input int unsigned size);
    logic [127:0] r;
    r = '0;
    for (int unsigned i = 0; i < 16; i++)
      if (i < size) r[127 - 8 * i -: 8] = d[511 - 8 * (off + i) -: 8];
    be_field = r;
  endfunction

  // Key window (memory order: byte i in bits 8i+7:8i) to a left-aligned field (byte 0 on top).
  function automatic logic [383:0] le2be(input logic [383:0] w, input int unsigned n);
    logic [383:0] r;
    r = '0;
    for (int unsigned i = 0; i < 48; i++) if (i < n) r[383 - 8 * i -: 8] = w[8 * i +: 8];
    le2be = r;
  endfunction

  function automatic logic is_gcm(input logic [3:0] alg);
    is_gcm = alg == AlgAes128Gcm[3:0] || alg == AlgAes256Gcm[3:0];
  endfunction
  function automatic logic is_aead(input logic [3:0] alg);
    is_aead = is_gcm(alg) || alg == AlgChachaPoly[3:0];
  endfunction
  function automatic logic [15:0] cbc_mac_len(input logic [3:0] alg);
    cbc_mac_len = (alg == AlgAes128CbcSha1[3:0] || alg == AlgAes256CbcSha1[3:0]) ? 16'd20 : 16'd32;
  endfunction

  // ---------------------------------------------------------------------------------------------
  // Registers.
  logic         ctrl_en_q;
  logic [31:0]  cnt_ok_q, cnt_err_q, cnt_auth_q, cnt_dma_q, cnt_bytes_q, cnt_busy_q, cnt_cycles_q;
  logic [255:0] win_key_q;
  logic [95:0]  win_iv_q;
  logic [383:0] win_mac_q;
  logic [31:0]  win_alg_q;
  slot_t        slots_q [NSlots];    // a memory: not reset, written only by KEY_CMD
  logic [NSlots-1:0] slot_valid_q;
  logic         slot_valid_rd_q;    // slot_valid_q of the slot read into slot_q

  logic [63:0]  sq_base_q [NQ];
  logic [3:0]   sq_size_q [NQ];
  logic [15:0]  sq_tail_q [NQ];
  logic [15:0]  sq_head_q [NQ];
  logic [63:0]  cq_base_q [NQ];
  logic [3:0]   cq_size_q [NQ];
  logic [15:0]  cq_head_q [NQ];
  logic [15:0]  cq_tail_q [NQ];
  logic         q_en_q [NQ];
  logic         cq_phase_q [NQ];
  logic [3:0]   q_epoch_q [NQ];   // bumped when a queue is (re)enabled
  logic [3:0]   epoch_q;          // the current descriptor's queue epoch

  logic [15:0]  supported_algs;

  // ---------------------------------------------------------------------------------------------
  // Register reads.
  logic [11:0] qoff, qidx;
  logic [QW-1:0] rq;
  logic rq_ok;
  logic [5:0] rreg;
  always_comb begin
    qoff = reg_addr_i - 12'(QueueBase);
    qidx = qoff / 12'(QueueStride);
    rq = qidx[QW-1:0];
    rq_ok = reg_addr_i >= 12'(QueueBase) && qidx < 12'(NQ);
    rreg = 6'(qoff % 12'(QueueStride));
  end

  // Key slot indices: the low bits of the command's and the descriptor's slot fields (both
  // are range-checked against NSlots before use).
  logic [SW-1:0] cmd_slot, desc_slot;
  assign cmd_slot = reg_wdata_i[SW-1:0];

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      reg_rvalid_o <= 1'b0;
      reg_rdata_o <= '0;
    end else begin
      reg_rvalid_o <= reg_valid_i && !reg_write_i;
      if (reg_valid_i && !reg_write_i) begin
        reg_rdata_o <= '0;
        if (rq_ok) begin
          unique case (rreg)
            QSqBaseLo: reg_rdata_o <= sq_base_q[rq][31:0];
            QSqBaseHi: reg_rdata_o <= sq_base_q[rq][63:32];
            QSqSize:   reg_rdata_o <= {28'h0, sq_size_q[rq]};
            QSqTail:   reg_rdata_o <= {16'h0, sq_tail_q[rq]};
            QSqHead:   reg_rdata_o <= {16'h0, sq_head_q[rq]};
            QCqBaseLo: reg_rdata_o <= cq_base_q[rq][31:0];
            QCqBaseHi: reg_rdata_o <= cq_base_q[rq][63:32];
            QCqSize:   reg_rdata_o <= {28'h0, cq_size_q[rq]};
            QCqHead:   reg_rdata_o <= {16'h0, cq_head_q[rq]};
            QCqTail:   reg_rdata_o <= {16'h0, cq_tail_q[rq]};
            QQCtrl:    reg_rdata_o <= {31'h0, q_en_q[rq]};
            default:   reg_rdata_o <= '0;
          endcase
        end else begin
          unique case (reg_addr_i)
            RegIdVersion:    reg_rdata_o <= {Magic, VersionMajor, VersionMinor};
            RegCapAlgs:      reg_rdata_o <= {16'h0, supported_algs};
            RegCapQueues:    reg_rdata_o <= NQ;
            RegCapKeySlots:  reg_rdata_o <= NSlots;
            RegCapMaxLen:    reg_rdata_o <= MaxLen;
            RegCapRing:      reg_rdata_o <= MaxRingLog2;
            RegCtrl:         reg_rdata_o <= {31'h0, ctrl_en_q};
            RegStatus:       reg_rdata_o <= {31'h0, !busy_o};
            RegCntDescOk:    reg_rdata_o <= cnt_ok_q;
            RegCntDescErr:   reg_rdata_o <= cnt_err_q;
            RegCntAuthFail:  reg_rdata_o <= cnt_auth_q;
            RegCntDmaErr:    reg_rdata_o <= cnt_dma_q;
            RegCntBytesIn:   reg_rdata_o <= cnt_bytes_q;
            RegCntBusyCycles: reg_rdata_o <= cnt_busy_q;
            RegCntCycles:    reg_rdata_o <= cnt_cycles_q;
            default:         reg_rdata_o <= '0;  // write-only and unmapped offsets read 0
          endcase
        end
      end
    end
  end

  // ---------------------------------------------------------------------------------------------
  // Descriptor processing state.
  state_e       state_q;
  logic [QW-1:0] cur_q_q, rr_q;
  logic [511:0] desc_q;
  slot_t        slot_q;
  logic [15:0]  status_q;
  logic [31:0]  out_bytes_q;
  logic [15:0]  pay_len_q;     // payload bytes into the engine
  logic [4:0]   prefix_len_q;  // bytes before the payload at src (open) or dst (seal)
  logic [127:0] prefix_q;      // open: what was read there; seal: what to write there
  logic [127:0] tag_q;         // AEAD open: the received tag
  logic         open_q;
  logic         dma_err_q;
  logic         job_sent_q, prefix_wr_done_q;
  logic         done_ok_q;
  logic [15:0]  done_len_q;
  logic [127:0] done_tag_q;

  // Descriptor fields.
  logic [7:0]   d_opcode, d_aad_len;
  logic [15:0]  d_slot, d_len, d_cookie;
  logic [63:0]  d_src, d_dst, d_seq;
  logic [127:0] d_iv;
  logic [103:0] d_aad;
  always_comb begin
    d_opcode = 8'(le_field(desc_q, DescOpcodeOff, DescOpcodeSize));
    d_aad_len = 8'(le_field(desc_q, DescAadLenOff, DescAadLenSize));
    d_slot = 16'(le_field(desc_q, DescSlotOff, DescSlotSize));
    d_len = 16'(le_field(desc_q, DescLenOff, DescLenSize));
    d_cookie = 16'(le_field(desc_q, DescCookieOff, DescCookieSize));
    d_src = le_field(desc_q, DescSrcOff, DescSrcSize);
    d_dst = le_field(desc_q, DescDstOff, DescDstSize);
    d_seq = le_field(desc_q, DescSeqOff, DescSeqSize);
    d_iv = be_field(desc_q, DescIvOff, DescIvSize);
    d_aad = 104'(be_field(desc_q, DescAadOff, DescAadSize) >> 24);
  end
  assign desc_slot = d_slot[SW-1:0];

  // ---------------------------------------------------------------------------------------------
  // DMA reader: requests [rd_addr_q, +rd_left_q) in chunks of up to 16 bytes.
  rphase_e      rphase_q;
  logic [63:0]  rd_addr_q;
  logic [15:0]  rd_left_q;
  logic [4:0]   rd_out_q;       // responses outstanding
  logic [4:0]   rd_got_q;       // responses taken in this phase (desc, prefix, tag)
  logic [127:0] fifo_q [FifoDepth];
  logic [3:0]   fifo_rd_q, fifo_wr_q;
  logic [4:0]   fifo_cnt_q;
  logic         rd_fire, fifo_pop;

  assign rd_req_valid_o = (rd_left_q != 16'd0) &&
                          (rphase_q != RdPay || (5'(fifo_cnt_q) + rd_out_q) < 5'(FifoDepth));
  assign rd_req_addr_o = rd_addr_q;
  assign rd_req_len_o = (rd_left_q >= 16'd16) ? 5'd16 : rd_left_q[4:0];
  assign rd_fire = rd_req_valid_o && rd_req_ready_i;

  // ---------------------------------------------------------------------------------------------
  // Engines.
  logic         e_job_valid, e_job_ready, e_in_valid, e_in_ready, e_in_last;
  logic         e_out_valid, e_out_ready, e_out_last, e_done_valid, e_done_ready, e_done_ok;
  logic [127:0] e_out_data, e_done_tag;
  logic [15:0]  e_done_len;
  logic [95:0]  nonce;
  logic [12:0]  in_beats_q;     // payload beats handed to the engine
  logic [12:0]  pay_beats;

  assign pay_beats = 13'((pay_len_q + 16'd15) >> 4);

  always_comb begin
    if (is_gcm(slot_q.alg) && !slot_q.tls13)
      nonce = {slot_q.iv[95:64], open_q ? prefix_q[127:64] : d_seq};  // salt || explicit nonce
    else
      nonce = slot_q.iv ^ {32'h0, d_seq};                               // IV xor seq
  end

  assign e_job_valid = (state_q == StJob) && !job_sent_q;
  assign e_in_valid = (fifo_cnt_q != 5'd0);
  assign e_in_last = (in_beats_q == pay_beats - 13'd1);
  assign fifo_pop = e_in_valid && e_in_ready;

  ftls_engines u_engines (
    .clk_i, .rst_ni,
    .supported_algs_o(supported_algs),
    .job_valid_i(e_job_valid), .job_ready_o(e_job_ready),
    .job_open_i(open_q), .job_alg_i(slot_q.alg), .job_key_i(slot_q.key),
    .job_mac_key_i(slot_q.mac), .job_nonce_i(nonce),
    .job_iv_i(open_q ? prefix_q : d_iv), .job_aad_i(d_aad), .job_aad_len_i(d_aad_len[3:0]),
    .job_tag_i(tag_q), .job_len_i(pay_len_q),
    .in_valid_i(e_in_valid), .in_ready_o(e_in_ready), .in_data_i(fifo_q[fifo_rd_q]),
    .in_last_i(e_in_last),
    .out_valid_o(e_out_valid), .out_ready_i(e_out_ready), .out_data_o(e_out_data),
    .out_last_o(e_out_last),
    .done_valid_o(e_done_valid), .done_ready_i(e_done_ready), .done_ok_o(e_done_ok),
    .done_len_o(e_done_len), .done_tag_o(e_done_tag)
  );

  // ---------------------------------------------------------------------------------------------
  // DMA writer: one source at a time, in the order prefix, engine output, tag, completion.
  logic [63:0]  wr_addr_q;      // next payload output address
  logic [15:0]  out_left_q;     // AEAD: output bytes still to write
  logic [5:0]   wr_out_q;       // write responses outstanding
  logic [127:0] cpl_data;
  logic         wr_fire;
  logic [QW-1:0] cq;
  logic [15:0]  cq_mask, sq_mask;

  assign cq = cur_q_q;
  assign cq_mask = 16'((17'd1 << cq_size_q[cq]) - 17'd1);
  assign sq_mask = 16'((17'd1 << sq_size_q[cq]) - 17'd1);

  always_comb begin
    cpl_data = '0;
    cpl_data[127:112] = {d_cookie[7:0], d_cookie[15:8]};
    cpl_data[111:96] = {status_q[7:0], status_q[15:8]};
    cpl_data[95:64] = {out_bytes_q[7:0], out_bytes_q[15:8], out_bytes_q[23:16], out_bytes_q[31:24]};
    cpl_data[63:48] = {sq_head_q[cq][7:0], sq_head_q[cq][15:8]};
    cpl_data[7:0] = {7'h0, cq_phase_q[cq]};
  end

  always_comb begin
    wr_req_valid_o = 1'b0;
    wr_req_addr_o = wr_addr_q;
    wr_req_len_o = 5'd16;
    wr_req_data_o = e_out_data;
    e_out_ready = 1'b0;
    unique case (state_q)
      StStream: begin
        if (!prefix_wr_done_q) begin
          wr_req_valid_o = 1'b1;
          wr_req_addr_o = d_dst;
          wr_req_len_o = prefix_len_q;
          wr_req_data_o = prefix_q;
        end else begin
          wr_req_valid_o = e_out_valid;
          e_out_ready = wr_req_ready_i;
          if (is_aead(slot_q.alg) && out_left_q < 16'd16) wr_req_len_o = out_left_q[4:0];
        end
      end
      StTagWr: begin
        wr_req_valid_o = 1'b1;
        wr_req_data_o = done_tag_q;
      end
      StCpl: begin
        wr_req_valid_o = q_en_q[cq] && q_epoch_q[cq] == epoch_q;
        wr_req_addr_o = cq_base_q[cq] + {44'h0, cq_tail_q[cq] & cq_mask, 4'h0};
        wr_req_data_o = cpl_data;
      end
      default: ;
    endcase
  end
  assign wr_fire = wr_req_valid_o && wr_req_ready_i;
  assign e_done_ready = (state_q == StStream) && prefix_wr_done_q && !e_out_valid;

  // ---------------------------------------------------------------------------------------------
  // Queue selection: the next enabled queue, round-robin from rr_q, with a descriptor pending and
  // room in its completion ring. NQ is a power of two, so queue indices wrap by themselves.
  logic          pick_ok;
  logic [QW-1:0] pick_q;
  always_comb begin
    pick_ok = 1'b0;
    pick_q = '0;
    for (int unsigned i = 0; i < NQ; i++) begin
      logic [QW-1:0] q;
      q = rr_q + i[QW-1:0];
      if (!pick_ok && q_en_q[q] && sq_head_q[q] != sq_tail_q[q] &&
          17'(cq_tail_q[q] - cq_head_q[q]) < (17'd1 << cq_size_q[q])) begin
        pick_ok = 1'b1;
        pick_q = q;
      end
    end
  end

  assign busy_o = (state_q != StIdle);

  // Checks of a fetched descriptor against its key slot: the status it completes with.
  logic [15:0] chk_status, chk_pay_len;
  logic [4:0]  chk_prefix;
  always_comb begin
    logic [15:0] fixed;  // prefix + tag bytes that are not payload on open
    chk_status = StatusOk;
    chk_prefix = 5'd0;
    fixed = 16'd0;
    if (is_gcm(slot_q.alg) && !slot_q.tls13) chk_prefix = 5'd8;
    else if (!is_aead(slot_q.alg)) chk_prefix = 5'd16;
    if (is_aead(slot_q.alg)) fixed = 16'(chk_prefix) + 16'd16;
    else fixed = 16'd16;
    chk_pay_len = d_len;
    if (open_q) chk_pay_len = d_len - fixed;
    if (!slot_valid_rd_q) chk_status = StatusBadSlot;
    else if (!supported_algs[slot_q.alg]) chk_status = StatusUnsupported;
    else if (32'(d_len) > MaxLen) chk_status = StatusBadLen;
    else if (open_q && d_len < fixed) chk_status = StatusBadLen;
    else if (open_q && !is_aead(slot_q.alg) &&
             (chk_pay_len[3:0] != 4'd0 || chk_pay_len < ((cbc_mac_len(slot_q.alg) + 16'd16) & ~16'd15)))
      chk_status = StatusBadLen;
  end

  // ---------------------------------------------------------------------------------------------
  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      state_q <= StIdle;
      ctrl_en_q <= 1'b0;
      cnt_ok_q <= '0;
      cnt_err_q <= '0;
      cnt_auth_q <= '0;
      cnt_dma_q <= '0;
      cnt_bytes_q <= '0;
      cnt_busy_q <= '0;
      cnt_cycles_q <= '0;
      win_alg_q <= '0;
      win_key_q <= '0;
      win_iv_q <= '0;
      win_mac_q <= '0;
      slot_valid_q <= '0;
      for (int unsigned q = 0; q < NQ; q++) begin
        sq_base_q[q] <= '0;
        sq_size_q[q] <= 4'd1;
        sq_tail_q[q] <= '0;
        sq_head_q[q] <= '0;
        cq_base_q[q] <= '0;
        cq_size_q[q] <= 4'd1;
        cq_head_q[q] <= '0;
        cq_tail_q[q] <= '0;
        q_en_q[q] <= 1'b0;
        cq_phase_q[q] <= 1'b1;
        q_epoch_q[q] <= '0;
      end
      cur_q_q <= '0;
      rr_q <= '0;
      rphase_q <= RdDesc;
      rd_left_q <= '0;
      rd_out_q <= '0;
      rd_got_q <= '0;
      fifo_rd_q <= '0;
      fifo_wr_q <= '0;
      fifo_cnt_q <= '0;
      wr_out_q <= '0;
      job_sent_q <= 1'b0;
      prefix_wr_done_q <= 1'b0;
      dma_err_q <= 1'b0;
    end else begin
      cnt_cycles_q <= cnt_cycles_q + 32'd1;
      if (busy_o) cnt_busy_q <= cnt_busy_q + 32'd1;

      // Register writes.
      if (reg_valid_i && reg_write_i) begin
        if (rq_ok) begin
          unique case (rreg)
            QSqBaseLo: sq_base_q[rq][31:0] <= reg_wdata_i;
            QSqBaseHi: sq_base_q[rq][63:32] <= reg_wdata_i;
            QSqSize:   sq_size_q[rq] <= (reg_wdata_i == 32'd0 || reg_wdata_i > MaxRingLog2) ?
                                        4'd1 : reg_wdata_i[3:0];
            QSqTail:   sq_tail_q[rq] <= reg_wdata_i[15:0];
            QCqBaseLo: cq_base_q[rq][31:0] <= reg_wdata_i;
            QCqBaseHi: cq_base_q[rq][63:32] <= reg_wdata_i;
            QCqSize:   cq_size_q[rq] <= (reg_wdata_i == 32'd0 || reg_wdata_i > MaxRingLog2) ?
                                        4'd1 : reg_wdata_i[3:0];
            QCqHead:   cq_head_q[rq] <= reg_wdata_i[15:0];
            QQCtrl: begin
              if (reg_wdata_i[0] && !q_en_q[rq]) begin
                sq_head_q[rq] <= '0;
                sq_tail_q[rq] <= '0;
                cq_tail_q[rq] <= '0;
                cq_head_q[rq] <= '0;
                cq_phase_q[rq] <= 1'b1;
                q_epoch_q[rq] <= q_epoch_q[rq] + 4'd1;
              end
              q_en_q[rq] <= reg_wdata_i[0];
            end
            default: ;
          endcase
        end else begin
          unique case (reg_addr_i)
            RegCtrl: begin
              ctrl_en_q <= reg_wdata_i[CtrlEnableLsb];
              if (reg_wdata_i[CtrlClrCountersLsb]) begin
                cnt_ok_q <= '0;
                cnt_err_q <= '0;
                cnt_auth_q <= '0;
                cnt_dma_q <= '0;
                cnt_bytes_q <= '0;
                cnt_busy_q <= '0;
              end
            end
            RegKeyWinAlg: win_alg_q <= reg_wdata_i;
            RegKeyCmd: begin
              if (reg_wdata_i[KeyCmdSlotLsb +: KeyCmdSlotWidth] < 16'(NSlots)) begin
                if (reg_wdata_i[KeyCmdOpLsb +: KeyCmdOpWidth] == KeyOpLoad) begin
                  slot_valid_q[cmd_slot] <= 1'b1;
                  // slot_t in field order: tls13, alg, key, iv, mac.
                  slots_q[cmd_slot] <= {
                    win_alg_q[KeyWinAlgTls13Lsb],
                    win_alg_q[KeyWinAlgAlgLsb +: KeyWinAlgAlgWidth],
                    256'(le2be({128'h0, win_key_q}, 32) >> 128),
                    96'(le2be({288'h0, win_iv_q}, 12) >> 288),
                    le2be(win_mac_q, 48)
                  };
                end else if (reg_wdata_i[KeyCmdOpLsb +: KeyCmdOpWidth] == KeyOpZeroize) begin
                  slot_valid_q[cmd_slot] <= 1'b0;
                  slots_q[cmd_slot] <= '0;
                end
              end
              // The window never keeps a key beyond a command.
              win_key_q <= '0;
              win_iv_q <= '0;
              win_mac_q <= '0;
              win_alg_q <= '0;
            end
            default: begin
              for (int i = 0; i < 8; i++)
                if (reg_addr_i == RegKeyWinKey0 + 12'(4 * i)) win_key_q[32 * i +: 32] <= reg_wdata_i;
              for (int i = 0; i < 3; i++)
                if (reg_addr_i == RegKeyWinIv0 + 12'(4 * i)) win_iv_q[32 * i +: 32] <= reg_wdata_i;
              for (int i = 0; i < 12; i++)
                if (reg_addr_i == RegKeyWinMac0 + 12'(4 * i)) win_mac_q[32 * i +: 32] <= reg_wdata_i;
            end
          endcase
        end
      end

      // DMA reader.
      if (rd_fire) begin
        rd_addr_q <= rd_addr_q + {59'h0, rd_req_len_o};
        rd_left_q <= rd_left_q - {11'h0, rd_req_len_o};
      end
      rd_out_q <= rd_out_q + {4'h0, rd_fire} - {4'h0, rd_resp_valid_i};
      if (rd_resp_valid_i) begin
        if (rd_resp_err_i) dma_err_q <= 1'b1;
        rd_got_q <= rd_got_q + 5'd1;
        unique case (rphase_q)
          RdDesc:   desc_q <= {desc_q[383:0], rd_resp_data_i};
          RdPrefix: prefix_q <= rd_resp_data_i;
          RdTag:    tag_q <= rd_resp_data_i;
          default: begin
            fifo_q[fifo_wr_q] <= rd_resp_err_i ? '0 : rd_resp_data_i;
            fifo_wr_q <= fifo_wr_q + 4'd1;
          end
        endcase
      end
      fifo_cnt_q <= fifo_cnt_q + {4'h0, rd_resp_valid_i && rphase_q == RdPay} - {4'h0, fifo_pop};
      if (fifo_pop) begin
        fifo_rd_q <= fifo_rd_q + 4'd1;
        in_beats_q <= in_beats_q + 13'd1;
      end

      // DMA writer.
      wr_out_q <= wr_out_q + {5'h0, wr_fire} - {5'h0, wr_resp_valid_i};
      if (wr_resp_valid_i && wr_resp_err_i) dma_err_q <= 1'b1;

      unique case (state_q)
        StIdle: begin
          if (ctrl_en_q && pick_ok) begin
            cur_q_q <= pick_q;
            epoch_q <= q_epoch_q[pick_q];
            rr_q <= pick_q + 1'b1;
            rphase_q <= RdDesc;
            rd_addr_q <= sq_base_q[pick_q] +
                         {42'h0, sq_head_q[pick_q] & 16'((17'd1 << sq_size_q[pick_q]) - 17'd1), 6'h0};
            rd_left_q <= 16'(DescBytes);
            rd_got_q <= '0;
            dma_err_q <= 1'b0;
            job_sent_q <= 1'b0;
            prefix_wr_done_q <= 1'b0;
            out_bytes_q <= '0;
            state_q <= StDescRd;
          end
        end
        StDescRd: begin
          if (rd_got_q == 5'd4 && rd_out_q == 5'd0) begin
            sq_head_q[cq] <= sq_head_q[cq] + 16'd1;
            state_q <= StDescChk;
          end
        end
        StDescChk: begin
          open_q <= (d_opcode == OpcodeOpen);
          slot_q <= slots_q[desc_slot];
          slot_valid_rd_q <= slot_valid_q[desc_slot];
          if (dma_err_q) begin
            status_q <= StatusDmaErr;
            state_q <= StWaitWr;
          end else if (d_opcode != OpcodeSeal && d_opcode != OpcodeOpen) begin
            status_q <= StatusBadOpcode;
            state_q <= StWaitWr;
          end else if (d_aad_len > 8'd13) begin
            status_q <= StatusBadDesc;
            state_q <= StWaitWr;
          end else if (d_slot >= 16'(NSlots)) begin
            status_q <= StatusBadSlot;
            state_q <= StWaitWr;
          end else begin
            state_q <= StKeyChk;
          end
        end
        StKeyChk: begin
          status_q <= chk_status;
          pay_len_q <= chk_pay_len;
          prefix_len_q <= chk_prefix;
          in_beats_q <= '0;
          out_left_q <= chk_pay_len;
          rd_got_q <= '0;
          if (chk_status != StatusOk) begin
            state_q <= StWaitWr;
          end else if (open_q && chk_prefix != 5'd0) begin
            rphase_q <= RdPrefix;
            rd_addr_q <= d_src;
            rd_left_q <= {11'h0, chk_prefix};
            state_q <= StPrefixRd;
          end else begin
            // Seal: what goes in front of the ciphertext (1.2 GCM explicit nonce, CBC IV).
            prefix_q <= (chk_prefix == 5'd8) ? {d_seq, 64'h0} : d_iv;
            if (open_q && is_aead(slot_q.alg)) begin
              rphase_q <= RdTag;
              rd_addr_q <= d_src + {48'h0, d_len} - 64'd16;
              rd_left_q <= 16'd16;
              state_q <= StTagRd;
            end else begin
              state_q <= StJob;
            end
          end
        end
        StPrefixRd: begin
          if (rd_got_q == 5'd1 && rd_out_q == 5'd0) begin
            rd_got_q <= '0;
            if (is_aead(slot_q.alg)) begin
              rphase_q <= RdTag;
              rd_addr_q <= d_src + {48'h0, d_len} - 64'd16;
              rd_left_q <= 16'd16;
              state_q <= StTagRd;
            end else begin
              state_q <= StJob;
            end
          end
        end
        StTagRd: begin
          if (rd_got_q == 5'd1 && rd_out_q == 5'd0) state_q <= StJob;
        end
        StJob: begin
          // Hand the job over and start the payload read at the same time.
          if (e_job_valid && e_job_ready) begin
            job_sent_q <= 1'b1;
            rphase_q <= RdPay;
            rd_addr_q <= d_src + (open_q ? {59'h0, prefix_len_q} : 64'h0);
            rd_left_q <= pay_len_q;
            wr_addr_q <= d_dst + (open_q ? 64'h0 : {59'h0, prefix_len_q});
            prefix_wr_done_q <= open_q || prefix_len_q == 5'd0;
            cnt_bytes_q <= cnt_bytes_q + {16'h0, pay_len_q};
            state_q <= StStream;
          end
        end
        StStream: begin
          if (!prefix_wr_done_q) begin
            if (wr_fire) prefix_wr_done_q <= 1'b1;
          end else if (wr_fire) begin
            wr_addr_q <= wr_addr_q + {59'h0, wr_req_len_o};
            out_left_q <= (out_left_q > 16'd16) ? out_left_q - 16'd16 : 16'd0;
          end
          if (e_done_valid && e_done_ready) begin
            done_ok_q <= e_done_ok;
            done_len_q <= e_done_len;
            done_tag_q <= e_done_tag;
            if (!open_q && is_aead(slot_q.alg)) begin
              wr_addr_q <= d_dst + {59'h0, prefix_len_q} + {48'h0, pay_len_q};
              state_q <= StTagWr;
            end else begin
              state_q <= StWaitWr;
            end
          end
        end
        StTagWr: begin
          if (wr_fire) state_q <= StWaitWr;
        end
        StWaitWr: begin
          // Every write of this descriptor acknowledged, every read answered: settle the status.
          if (wr_out_q == 6'd0 && rd_out_q == 5'd0 && rd_left_q == 16'd0) begin
            if (status_q == StatusOk) begin
              if (dma_err_q) status_q <= StatusDmaErr;
              else if (open_q && !done_ok_q) status_q <= StatusAuthFail;
              if (is_aead(slot_q.alg))
                out_bytes_q <= open_q ? {16'h0, pay_len_q} :
                               {16'h0, pay_len_q} + {27'h0, prefix_len_q} + 32'd16;
              else
                out_bytes_q <= open_q ? {16'h0, done_len_q} : {16'h0, done_len_q} + 32'd16;
            end
            state_q <= StCpl;
          end
        end
        StCpl: begin
          // The queue was reset (disabled, re-enabled) while this descriptor ran: its ring is
          // someone else's now, so the completion is dropped rather than written into it.
          if (!q_en_q[cq] || q_epoch_q[cq] != epoch_q) begin
            state_q <= StIdle;
          end else if (wr_fire) begin
            cq_tail_q[cq] <= cq_tail_q[cq] + 16'd1;
            if (((cq_tail_q[cq] + 16'd1) & cq_mask) == 16'd0) cq_phase_q[cq] <= !cq_phase_q[cq];
            if (status_q == StatusOk) cnt_ok_q <= cnt_ok_q + 32'd1;
            else cnt_err_q <= cnt_err_q + 32'd1;
            if (status_q == StatusAuthFail) cnt_auth_q <= cnt_auth_q + 32'd1;
            if (status_q == StatusDmaErr) cnt_dma_q <= cnt_dma_q + 32'd1;
            state_q <= StCplWait;
          end
        end
        StCplWait: begin
          if (wr_out_q == 6'd0) state_q <= StIdle;
        end
        default: state_q <= StIdle;
      endcase
    end
  end

  // An open whose tag check failed has already written plaintext to dst: the status says not to
  // use it, and the driver never hands it on. The engine's out_last is implied by the beat count.
  logic unused;
  assign unused = ^{e_out_last, sq_mask};

endmodule
