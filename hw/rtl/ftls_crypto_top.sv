// SPDX-License-Identifier: BSD-3-Clause
// The crypto core's host interface: register block (hw/regs/ftls_regs.yaml), submission and
// completion rings in host memory, write-only key slots, TLS nonce construction from the
// descriptor's sequence number, and a DMA master that reads source bytes into the record engines
// (ftls_engines) and writes their output, tags and completions back. Not for: the cryptography
// itself (the engines) or the bus to the host (the simulator or a PCIe shell serves the register
// port and the two DMA channels).
//
// Implementation notes.
//  - Two halves joined by an in-order FIFO of per-descriptor context (CtxDepth, default 8). The
//    front end picks a queue (round-robin over enabled queues with a descriptor pending and room
//    in the completion ring for every descriptor already in flight), fetches the descriptor (4
//    beats; the key slot is read when the first beat arrives), checks it (opcode, AAD length,
//    slot, alg, length), reads the prefix (1.2 GCM explicit nonce or CBC IV) and, for an AEAD
//    open, the trailing tag, hands the job to the engines, pushes the context and queues the
//    payload reads; then it goes on to the next descriptor while the payload still streams. The
//    back end takes contexts in order: writes the prefix (seal), the engine's out beats, the tag
//    (AEAD seal, in the clock the engine's done is taken) and the completion. So descriptor N+1
//    is fetched and its payload enters an engine while descriptor N's output is still written.
//  - Payload beats pass a 16-entry FIFO tagged with their job's alg (ftls_engines routes them);
//    reads carry a tag (kind, context index) in an in-order FIFO, so descriptor, prefix, tag and
//    payload responses of different descriptors can be outstanding together.
//  - Every descriptor completes, with an error status when it is bad; a bad descriptor never
//    starts an engine (its context goes to the back end with the status) and a DMA read error on
//    the payload still feeds the engine the beats it expects (zeros), so no path hangs the queue.
//    Success is reported only when the engine's done_ok is set. Completions of a queue are
//    written in fetch order; one of a queue reset (Q_CTRL.ENABLE 0->1) or disabled after its
//    descriptor was fetched is dropped.
//  - DMA channels: a read request {addr, len 1..16} is answered, in order, by one response beat
//    with the bytes left-aligned (byte at addr in [127:120]) and an error flag; the core never has
//    more reads outstanding than it can take, so responses need no ready. A write request
//    {addr, len, data left-aligned} is acknowledged later by one response with an error flag;
//    the completion entry is written only after every earlier write is acknowledged, and its byte
//    15 (the phase) is the last byte of the entry.
//  - Key slots hold key, IV/salt, MAC key, alg and the TLS 1.3 flag; they are written only through
//    the key window + KEY_CMD and never read back by the host. LOAD zeroes the window. Every
//    LOAD or ZEROIZE also flushes the AES-GCM engine's key cache (after the jobs it holds) and,
//    if the front end holds a copy of that slot for a descriptor not yet handed over, wipes the
//    copy and completes that descriptor with STATUS_BAD_SLOT. The front end's slot copy is wiped
//    when its job is handed over.
//  - The slot memory has no reset (it is meant to map to block RAM, one write port). Instead,
//    reset starts a sweep that writes zero over every slot (key, IV, MAC key, alg, TLS 1.3 flag),
//    one slot per clock: NSlots clocks. While it runs STATUS.KEY_BUSY reads 1, the front end
//    fetches no descriptor, and a KEY_CMD write is held (one: a second one written before the
//    first is applied is dropped, as is a key window write while one is held) and applied in the
//    clock after the sweep ends; KEY_BUSY stays 1 until it is.
module ftls_crypto_top
  import ftls_regs_pkg::*;
#(
  parameter int unsigned NQ = NumQueues,
  parameter int unsigned NSlots = NumKeySlots,
  parameter int unsigned CtxDepth = 8  // descriptors between front and back end (power of two)
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
  localparam int unsigned CW = $clog2(CtxDepth);
  localparam int unsigned FifoDepth = 16;  // payload beats read ahead of the engines
  localparam int unsigned RtDepth = 32;    // read tags; at most 16 payload + 4 others outstanding
  localparam int unsigned WkDepth = 32;    // write requests outstanding (acks awaited)

  typedef enum logic [2:0] {FeIdle, FeDesc, FeChk, FePre, FeTag, FeJob, FeFeed} fe_e;
  typedef enum logic [1:0] {BeIdle, BePre, BeOut, BeCpl} be_e;
  typedef enum logic [1:0] {RdDesc, RdPrefix, RdTag, RdPay} rkind_e;

  typedef struct packed {
    logic         tls13;
    logic [3:0]   alg;
    logic [255:0] key;
    logic [95:0]  iv;
    logic [383:0] mac;
  } slot_t;

  // What the back end needs of a descriptor.
  typedef struct packed {
    logic [QW-1:0] q;
    logic [3:0]   epoch;       // the queue's epoch when the descriptor was fetched
    logic [15:0]  cookie;
    logic [15:0]  sq_head;     // SQ_HEAD after this descriptor
    logic [15:0]  status;      // found by the front end (no job unless STATUS_OK)
    logic         job;         // an engine job runs for it
    logic         open;
    logic         aead;
    logic [4:0]   prefix_len;
    logic [127:0] prefix;      // seal: what is written at dst in front of the ciphertext
    logic [63:0]  dst;
    logic [15:0]  pay_len;
    logic [11:0]  beats;       // engine out beats
  } ctx_t;

  // A read request in flight.
  typedef struct packed {
    rkind_e        kind;
    logic [CW-1:0] idx;        // payload: the context it belongs to
    logic [3:0]    alg;
    logic          last;       // payload: the job's last beat
  } rtag_t;

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
  slot_t        slots_q [NSlots];    // a memory: not reset, written by KEY_CMD and the sweep
  logic [NSlots-1:0] slot_valid_q;
  logic         sweep_q;             // zeroing the slot memory after reset
  logic [SW-1:0] sweep_idx_q;        // the slot it zeroes this clock
  logic         hold_q;              // a KEY_CMD written during the sweep waits here
  logic [31:0]  hold_cmd_q;

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
  logic [CW:0]  q_infl_q [NQ];    // descriptors fetched whose completion is not yet written

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

  // Key commands: one written now (unless the sweep runs or one is held), or the held one once
  // the sweep has ended. kc_data is the command word.
  logic          kc_wr, kc_exec_held, kc_valid, kc_in_range;
  logic [31:0]   kc_data;
  logic [SW-1:0] cmd_slot;
  assign kc_wr = reg_valid_i && reg_write_i && !rq_ok && reg_addr_i == RegKeyCmd;
  assign kc_exec_held = hold_q && !sweep_q;
  assign kc_valid = kc_exec_held || (kc_wr && !sweep_q && !hold_q);
  assign kc_data = kc_exec_held ? hold_cmd_q : reg_wdata_i;
  assign kc_in_range = kc_data[KeyCmdSlotLsb +: KeyCmdSlotWidth] < 16'(NSlots);
  // Key slot indices: the low bits of the command's and the descriptor's slot fields (both
  // are range-checked against NSlots before use).
  assign cmd_slot = kc_data[SW-1:0];

  // The slot memory's one write port: the sweep, else a LOAD or ZEROIZE. No reset on the array.
  logic          slot_we;
  logic [SW-1:0] slot_waddr;
  slot_t         slot_wdata;
  always_comb begin
    slot_we = 1'b0;
    slot_waddr = cmd_slot;
    slot_wdata = '0;
    if (sweep_q) begin
      slot_we = 1'b1;
      slot_waddr = sweep_idx_q;
    end else if (kc_valid && kc_in_range) begin
      if (kc_data[KeyCmdOpLsb +: KeyCmdOpWidth] == KeyOpLoad) begin
        slot_we = 1'b1;
        // slot_t in field order: tls13, alg, key, iv, mac.
        slot_wdata = {
          win_alg_q[KeyWinAlgTls13Lsb],
          win_alg_q[KeyWinAlgAlgLsb +: KeyWinAlgAlgWidth],
          256'(le2be({128'h0, win_key_q}, 32) >> 128),
          96'(le2be({288'h0, win_iv_q}, 12) >> 288),
          le2be(win_mac_q, 48)
        };
      end else if (kc_data[KeyCmdOpLsb +: KeyCmdOpWidth] == KeyOpZeroize) begin
        slot_we = 1'b1;
      end
    end
    if (!rst_ni) slot_we = 1'b0;
  end

  always_ff @(posedge clk_i) begin
    if (slot_we) slots_q[slot_waddr] <= slot_wdata;
  end

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
            RegStatus:       reg_rdata_o <= {30'h0, sweep_q || hold_q, !busy_o};
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
  // Front end state.
  fe_e          fe_q;
  logic [QW-1:0] fe_qi_q, rr_q;
  logic [3:0]   fe_epoch_q;
  logic [15:0]  fe_sqhead_q;
  logic [511:0] desc_q;
  slot_t        slot_q;        // copy of the descriptor's key slot (wiped once handed over)
  logic         slot_ok_q;     // the slot was loaded when it was read
  logic [SW-1:0] fe_slot_q;    // which slot slot_q is a copy of
  logic         fe_stale_q;    // a KEY_CMD hit that slot since
  logic [2:0]   fe_got_q;      // descriptor/prefix/tag responses taken in this phase
  logic         fe_err_q;      // a DMA error on them
  logic         open_q;
  logic [15:0]  pay_len_q;     // payload bytes into the engine
  logic [4:0]   prefix_len_q;  // bytes before the payload at src (open) or dst (seal)
  logic [127:0] prefix_q;      // open: what was read there; seal: what to write there
  logic [127:0] tag_q;         // AEAD open: the received tag
  logic [11:0]  beats_q;       // engine out beats of the job

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

  // ---------------------------------------------------------------------------------------------
  // DMA reader: requests [rd_addr_q, +rd_left_q) in chunks of up to 16 bytes, each with a tag.
  rkind_e       rd_kind_q;
  logic [CW-1:0] rd_idx_q;
  logic [3:0]   rd_alg_q;
  logic [63:0]  rd_addr_q;
  logic [15:0]  rd_left_q;
  logic [4:0]   pay_out_q;      // payload reads outstanding
  rtag_t        rt_q [RtDepth];
  logic [4:0]   rt_rd_q, rt_wr_q;
  rtag_t        rt_head;
  logic [127:0] fifo_q [FifoDepth];
  logic [3:0]   fifo_alg_q [FifoDepth];
  logic [FifoDepth-1:0] fifo_last_q;
  logic [3:0]   fifo_rd_q, fifo_wr_q;
  logic [4:0]   fifo_cnt_q;
  logic         rd_fire, fifo_pop, rd_last;

  assign rd_req_valid_o = (rd_left_q != 16'd0) &&
                          (rd_kind_q != RdPay || ({1'b0, fifo_cnt_q} + {1'b0, pay_out_q}) < 6'(FifoDepth));
  assign rd_req_addr_o = rd_addr_q;
  assign rd_req_len_o = (rd_left_q >= 16'd16) ? 5'd16 : rd_left_q[4:0];
  assign rd_fire = rd_req_valid_o && rd_req_ready_i;
  assign rd_last = rd_left_q <= 16'd16;
  assign rt_head = rt_q[rt_rd_q];

  // ---------------------------------------------------------------------------------------------
  // Context FIFO between the halves.
  ctx_t         ctx_q [CtxDepth];
  logic [CW-1:0] ctx_rd_q, ctx_wr_q;
  logic [CW:0]  ctx_cnt_q;
  logic [CtxDepth-1:0] rderr_q;  // a payload read of that context failed
  logic         ctx_full, ctx_push, ctx_pop;
  ctx_t         ctx_in, hc;
  assign ctx_full = ctx_cnt_q[CW];
  assign hc = ctx_q[ctx_rd_q];

  // ---------------------------------------------------------------------------------------------
  // Engines.
  logic         e_job_valid, e_job_ready, e_in_valid, e_in_ready;
  logic         e_out_valid, e_out_ready, e_out_last, e_done_valid, e_done_ready, e_done_ok;
  logic [127:0] e_out_data, e_done_tag;
  logic [15:0]  e_done_len;
  logic [95:0]  nonce;
  logic         key_flush_q;

  always_comb begin
    if (is_gcm(slot_q.alg) && !slot_q.tls13)
      nonce = {slot_q.iv[95:64], open_q ? prefix_q[127:64] : d_seq};  // salt || explicit nonce
    else
      nonce = slot_q.iv ^ {32'h0, d_seq};                               // IV xor seq
  end

  assign e_job_valid = (fe_q == FeJob) && !fe_err_q && !fe_stale_q && !ctx_full;
  assign e_in_valid = (fifo_cnt_q != 5'd0);
  assign fifo_pop = e_in_valid && e_in_ready;

  ftls_engines u_engines (
    .clk_i, .rst_ni,
    .flush_i(key_flush_q),
    .supported_algs_o(supported_algs),
    .job_valid_i(e_job_valid), .job_ready_o(e_job_ready),
    .job_open_i(open_q), .job_alg_i(slot_q.alg), .job_key_i(slot_q.key),
    .job_mac_key_i(slot_q.mac), .job_nonce_i(nonce),
    .job_iv_i(open_q ? prefix_q : d_iv), .job_aad_i(d_aad), .job_aad_len_i(d_aad_len[3:0]),
    .job_tag_i(tag_q), .job_len_i(pay_len_q),
    .in_valid_i(e_in_valid), .in_ready_o(e_in_ready), .in_data_i(fifo_q[fifo_rd_q]),
    .in_alg_i(fifo_alg_q[fifo_rd_q]), .in_last_i(fifo_last_q[fifo_rd_q]),
    .out_valid_o(e_out_valid), .out_ready_i(e_out_ready), .out_data_o(e_out_data),
    .out_last_o(e_out_last),
    .done_valid_o(e_done_valid), .done_ready_i(e_done_ready), .done_ok_o(e_done_ok),
    .done_len_o(e_done_len), .done_tag_o(e_done_tag)
  );
  logic e_job_fire, e_done_fire;
  assign e_job_fire = e_job_valid && e_job_ready;
  assign e_done_fire = e_done_valid && e_done_ready;

  // ---------------------------------------------------------------------------------------------
  // Checks of a fetched descriptor against its key slot: the status it completes with.
  logic [15:0] chk_status, chk_pay_len;
  logic [4:0]  chk_prefix;
  logic [11:0] chk_beats;
  logic        chk_open;
  always_comb begin
    logic [15:0] fixed;  // prefix + tag bytes that are not payload on open
    chk_open = (d_opcode == OpcodeOpen);
    chk_status = StatusOk;
    chk_prefix = 5'd0;
    if (is_gcm(slot_q.alg) && !slot_q.tls13) chk_prefix = 5'd8;
    else if (!is_aead(slot_q.alg)) chk_prefix = 5'd16;
    if (is_aead(slot_q.alg)) fixed = 16'(chk_prefix) + 16'd16;
    else fixed = 16'd16;
    chk_pay_len = d_len;
    if (chk_open) chk_pay_len = d_len - fixed;
    if (is_aead(slot_q.alg)) chk_beats = 12'((chk_pay_len + 16'd15) >> 4);
    else if (chk_open) chk_beats = 12'(chk_pay_len >> 4);
    else chk_beats = 12'((chk_pay_len + cbc_mac_len(slot_q.alg)) >> 4) + 12'd1;
    if (fe_err_q) chk_status = StatusDmaErr;
    else if (d_opcode != OpcodeSeal && d_opcode != OpcodeOpen) chk_status = StatusBadOpcode;
    else if (d_aad_len > 8'd13) chk_status = StatusBadDesc;
    else if (d_slot >= 16'(NSlots) || !slot_ok_q || fe_stale_q) chk_status = StatusBadSlot;
    else if (!supported_algs[slot_q.alg]) chk_status = StatusUnsupported;
    else if (32'(d_len) > MaxLen) chk_status = StatusBadLen;
    else if (chk_open && d_len < fixed) chk_status = StatusBadLen;
    else if (chk_open && !is_aead(slot_q.alg) &&
             (chk_pay_len[3:0] != 4'd0 || chk_pay_len < ((cbc_mac_len(slot_q.alg) + 16'd16) & ~16'd15)))
      chk_status = StatusBadLen;
  end

  // The context pushed: from the check (bad descriptor), from FeJob (a DMA error on the prefix or
  // tag, or the slot changed under it) or with the job.
  always_comb begin
    ctx_push = 1'b0;
    ctx_in = '0;
    ctx_in.q = fe_qi_q;
    ctx_in.epoch = fe_epoch_q;
    ctx_in.cookie = d_cookie;
    ctx_in.sq_head = fe_sqhead_q;
    ctx_in.open = open_q;
    ctx_in.aead = is_aead(slot_q.alg);
    ctx_in.prefix_len = prefix_len_q;
    ctx_in.prefix = prefix_q;
    ctx_in.dst = d_dst;
    ctx_in.pay_len = pay_len_q;
    ctx_in.beats = beats_q;
    ctx_in.status = StatusOk;
    if (fe_q == FeChk && chk_status != StatusOk) begin
      ctx_push = !ctx_full;
      ctx_in.status = chk_status;
    end else if (fe_q == FeJob && (fe_err_q || fe_stale_q)) begin
      ctx_push = !ctx_full;
      ctx_in.status = fe_err_q ? StatusDmaErr : StatusBadSlot;
    end else if (e_job_fire) begin
      ctx_push = 1'b1;
      ctx_in.job = 1'b1;
    end
  end

  // ---------------------------------------------------------------------------------------------
  // Back end: prefix, out beats, tag, completion of the context at the head.
  be_e          be_q;
  logic [63:0]  be_addr_q;
  logic [11:0]  be_beats_q;     // out beats still to write
  logic [15:0]  be_left_q;      // AEAD: output bytes still to write
  logic         be_err_q;       // a write of this descriptor failed
  logic         done_ok_q;
  logic [15:0]  done_len_q;
  logic [5:0]   wr_out_q;       // write responses outstanding
  logic [WkDepth-1:0] wk_q;     // per outstanding write, in order: 1 = a completion entry
  logic [4:0]   wk_rd_q, wk_wr_q;
  logic         wr_fire, wr_room, cpl_live;
  logic [127:0] cpl_data;
  logic [15:0]  cpl_status, cq_mask;
  logic [31:0]  out_bytes;

  assign wr_room = !wr_out_q[5];
  assign cq_mask = 16'((17'd1 << cq_size_q[hc.q]) - 17'd1);
  // A completion goes to its ring only if the queue was not reset or disabled since the fetch.
  assign cpl_live = q_en_q[hc.q] && q_epoch_q[hc.q] == hc.epoch;

  always_comb begin
    cpl_status = hc.status;
    if (hc.status == StatusOk) begin
      if (be_err_q || rderr_q[ctx_rd_q]) cpl_status = StatusDmaErr;
      else if (hc.open && !done_ok_q) cpl_status = StatusAuthFail;
    end
    out_bytes = '0;
    if (cpl_status == StatusOk) begin
      if (hc.aead)
        out_bytes = hc.open ? {16'h0, hc.pay_len} :
                    {16'h0, hc.pay_len} + {27'h0, hc.prefix_len} + 32'd16;
      else
        out_bytes = hc.open ? {16'h0, done_len_q} : {16'h0, done_len_q} + 32'd16;
    end
    cpl_data = '0;
    cpl_data[127:112] = {hc.cookie[7:0], hc.cookie[15:8]};
    cpl_data[111:96] = {cpl_status[7:0], cpl_status[15:8]};
    cpl_data[95:64] = {out_bytes[7:0], out_bytes[15:8], out_bytes[23:16], out_bytes[31:24]};
    cpl_data[63:48] = {hc.sq_head[7:0], hc.sq_head[15:8]};
    cpl_data[7:0] = {7'h0, cq_phase_q[hc.q]};
  end

  always_comb begin
    wr_req_valid_o = 1'b0;
    wr_req_addr_o = be_addr_q;
    wr_req_len_o = 5'd16;
    wr_req_data_o = e_out_data;
    e_out_ready = 1'b0;
    e_done_ready = 1'b0;
    ctx_pop = 1'b0;
    unique case (be_q)
      BePre: begin
        wr_req_valid_o = wr_room;
        wr_req_addr_o = hc.dst;
        wr_req_len_o = hc.prefix_len;
        wr_req_data_o = hc.prefix;
      end
      BeOut: begin
        if (be_beats_q != 12'd0) begin
          wr_req_valid_o = e_out_valid && wr_room;
          e_out_ready = wr_req_ready_i && wr_room;
          if (hc.aead && be_left_q < 16'd16) wr_req_len_o = be_left_q[4:0];
        end else if (hc.aead && !hc.open) begin
          // The tag goes out in the clock the engine's done is taken.
          wr_req_valid_o = e_done_valid && wr_room;
          wr_req_data_o = e_done_tag;
          e_done_ready = wr_req_ready_i && wr_room;
        end else begin
          e_done_ready = 1'b1;
        end
      end
      BeCpl: begin
        // Every earlier write acknowledged (its error known) before the completion goes out.
        wr_req_valid_o = cpl_live && wr_out_q == 6'd0;
        wr_req_addr_o = cq_base_q[hc.q] + {44'h0, cq_tail_q[hc.q] & cq_mask, 4'h0};
        wr_req_data_o = cpl_data;
        ctx_pop = !cpl_live || wr_req_ready_i && wr_out_q == 6'd0;
      end
      default: ;
    endcase
  end
  assign wr_fire = wr_req_valid_o && wr_req_ready_i;

  // ---------------------------------------------------------------------------------------------
  // Queue selection: the next enabled queue, round-robin from rr_q, with a descriptor pending and
  // room in its completion ring for it and every descriptor of the queue in flight. NQ is a power
  // of two, so queue indices wrap by themselves.
  logic          pick_ok;
  logic [QW-1:0] pick_q;
  always_comb begin
    pick_ok = 1'b0;
    pick_q = '0;
    for (int unsigned i = 0; i < NQ; i++) begin
      logic [QW-1:0] q;
      q = rr_q + i[QW-1:0];
      if (!pick_ok && q_en_q[q] && sq_head_q[q] != sq_tail_q[q] &&
          ({1'b0, 16'(cq_tail_q[q] - cq_head_q[q])} + 17'(q_infl_q[q])) <
          (17'd1 << cq_size_q[q])) begin
        pick_ok = 1'b1;
        pick_q = q;
      end
    end
  end

  assign busy_o = (fe_q != FeIdle) || (ctx_cnt_q != '0);

  // Key commands (LOAD or ZEROIZE of an existing slot).
  logic key_cmd, desc_beat0;
  logic [15:0] rd_slot16;
  logic [SW-1:0] rd_slot, fe_slot_now;
  assign key_cmd = kc_valid && kc_in_range &&
                   (kc_data[KeyCmdOpLsb +: KeyCmdOpWidth] == KeyOpLoad ||
                    kc_data[KeyCmdOpLsb +: KeyCmdOpWidth] == KeyOpZeroize);
  // The front end starts a descriptor (never while the sweep runs).
  logic fe_go;
  assign fe_go = ctrl_en_q && pick_ok && !sweep_q;
  // The slot field is bytes 2..3 of the descriptor's first beat (little-endian).
  assign desc_beat0 = rd_resp_valid_i && rt_head.kind == RdDesc && fe_got_q == 3'd0;
  assign rd_slot16 = {rd_resp_data_i[103:96], rd_resp_data_i[111:104]};
  assign rd_slot = rd_slot16[SW-1:0];
  assign fe_slot_now = desc_beat0 ? rd_slot : fe_slot_q;

  // ---------------------------------------------------------------------------------------------
  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      fe_q <= FeIdle;
      be_q <= BeIdle;
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
      sweep_q <= 1'b1;
      sweep_idx_q <= '0;
      hold_q <= 1'b0;
      hold_cmd_q <= '0;
      slot_q <= '0;
      slot_ok_q <= 1'b0;
      fe_stale_q <= 1'b0;
      key_flush_q <= 1'b0;
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
        q_infl_q[q] <= '0;
      end
      rr_q <= '0;
      rd_kind_q <= RdDesc;
      rd_left_q <= '0;
      pay_out_q <= '0;
      rt_rd_q <= '0;
      rt_wr_q <= '0;
      fifo_rd_q <= '0;
      fifo_wr_q <= '0;
      fifo_cnt_q <= '0;
      ctx_rd_q <= '0;
      ctx_wr_q <= '0;
      ctx_cnt_q <= '0;
      rderr_q <= '0;
      wr_out_q <= '0;
      wk_rd_q <= '0;
      wk_wr_q <= '0;
      fe_got_q <= '0;
      fe_err_q <= 1'b0;
      be_err_q <= 1'b0;
    end else begin
      cnt_cycles_q <= cnt_cycles_q + 32'd1;
      if (busy_o) cnt_busy_q <= cnt_busy_q + 32'd1;
      key_flush_q <= key_cmd;
      if (sweep_q) begin
        if (sweep_idx_q == SW'(NSlots - 1)) sweep_q <= 1'b0;
        sweep_idx_q <= sweep_idx_q + 1'b1;
      end
      // A KEY_CMD written while the sweep runs (or in the clock the held one is applied) is held.
      if (kc_exec_held) hold_q <= 1'b0;
      if (kc_wr && (sweep_q || hold_q) && !(sweep_q && hold_q)) begin
        hold_q <= 1'b1;
        hold_cmd_q <= reg_wdata_i;
      end

      // ---- DMA reader -------------------------------------------------------------------------
      if (rd_fire) begin
        rd_addr_q <= rd_addr_q + {59'h0, rd_req_len_o};
        rd_left_q <= rd_left_q - {11'h0, rd_req_len_o};
        rt_q[rt_wr_q] <= {rd_kind_q, rd_idx_q, rd_alg_q, rd_last};
        rt_wr_q <= rt_wr_q + 5'd1;
      end
      pay_out_q <= pay_out_q + {4'h0, rd_fire && rd_kind_q == RdPay} -
                   {4'h0, rd_resp_valid_i && rt_head.kind == RdPay};
      if (rd_resp_valid_i) begin
        rt_rd_q <= rt_rd_q + 5'd1;
        if (rt_head.kind != RdPay) begin
          fe_got_q <= fe_got_q + 3'd1;
          if (rd_resp_err_i) fe_err_q <= 1'b1;
        end
        unique case (rt_head.kind)
          RdDesc: begin
            desc_q <= {desc_q[383:0], rd_resp_data_i};
            if (fe_got_q == 3'd0) begin
              slot_q <= slots_q[rd_slot];
              slot_ok_q <= slot_valid_q[rd_slot];
              fe_slot_q <= rd_slot;
              fe_stale_q <= 1'b0;
            end
          end
          RdPrefix: prefix_q <= rd_resp_data_i;
          RdTag:    tag_q <= rd_resp_data_i;
          default: begin
            fifo_q[fifo_wr_q] <= rd_resp_err_i ? '0 : rd_resp_data_i;
            fifo_alg_q[fifo_wr_q] <= rt_head.alg;
            fifo_last_q[fifo_wr_q] <= rt_head.last;
            fifo_wr_q <= fifo_wr_q + 4'd1;
            if (rd_resp_err_i) rderr_q[rt_head.idx] <= 1'b1;
          end
        endcase
      end
      fifo_cnt_q <= fifo_cnt_q + {4'h0, rd_resp_valid_i && rt_head.kind == RdPay} -
                    {4'h0, fifo_pop};
      if (fifo_pop) fifo_rd_q <= fifo_rd_q + 4'd1;

      // ---- Context FIFO -----------------------------------------------------------------------
      if (ctx_push) begin
        ctx_q[ctx_wr_q] <= ctx_in;
        rderr_q[ctx_wr_q] <= 1'b0;
        ctx_wr_q <= ctx_wr_q + 1'b1;
      end
      if (ctx_pop) begin
        ctx_rd_q <= ctx_rd_q + 1'b1;
      end
      ctx_cnt_q <= ctx_cnt_q + {{CW{1'b0}}, ctx_push} - {{CW{1'b0}}, ctx_pop};
      for (int unsigned q = 0; q < NQ; q++)
        q_infl_q[q] <= q_infl_q[q] +
                       {{CW{1'b0}}, fe_q == FeIdle && fe_go && pick_q == q[QW-1:0]} -
                       {{CW{1'b0}}, ctx_pop && hc.q == q[QW-1:0]};

      // ---- Front end --------------------------------------------------------------------------
      unique case (fe_q)
        FeIdle: begin
          if (fe_go) begin
            fe_qi_q <= pick_q;
            fe_epoch_q <= q_epoch_q[pick_q];
            fe_sqhead_q <= sq_head_q[pick_q] + 16'd1;
            sq_head_q[pick_q] <= sq_head_q[pick_q] + 16'd1;
            rr_q <= pick_q + 1'b1;
            rd_kind_q <= RdDesc;
            rd_addr_q <= sq_base_q[pick_q] +
                         {42'h0, sq_head_q[pick_q] & 16'((17'd1 << sq_size_q[pick_q]) - 17'd1), 6'h0};
            rd_left_q <= 16'(DescBytes);
            fe_got_q <= '0;
            fe_err_q <= 1'b0;
            fe_q <= FeDesc;
          end
        end
        FeDesc: begin
          if (fe_got_q == 3'd4) fe_q <= FeChk;
        end
        FeChk: begin
          open_q <= chk_open;
          pay_len_q <= chk_pay_len;
          prefix_len_q <= chk_prefix;
          beats_q <= chk_beats;
          fe_got_q <= '0;
          if (chk_status != StatusOk) begin
            if (!ctx_full) begin
              slot_q <= '0;
              fe_q <= FeIdle;
            end
          end else if (chk_open && chk_prefix != 5'd0) begin
            rd_kind_q <= RdPrefix;
            rd_addr_q <= d_src;
            rd_left_q <= {11'h0, chk_prefix};
            fe_q <= FePre;
          end else begin
            // Seal: what goes in front of the ciphertext (1.2 GCM explicit nonce, CBC IV).
            prefix_q <= (chk_prefix == 5'd8) ? {d_seq, 64'h0} : d_iv;
            if (chk_open && is_aead(slot_q.alg)) begin
              rd_kind_q <= RdTag;
              rd_addr_q <= d_src + {48'h0, d_len} - 64'd16;
              rd_left_q <= 16'd16;
              fe_q <= FeTag;
            end else begin
              fe_q <= FeJob;
            end
          end
        end
        FePre: begin
          if (fe_got_q == 3'd1) begin
            fe_got_q <= '0;
            if (is_aead(slot_q.alg)) begin
              rd_kind_q <= RdTag;
              rd_addr_q <= d_src + {48'h0, d_len} - 64'd16;
              rd_left_q <= 16'd16;
              fe_q <= FeTag;
            end else begin
              fe_q <= FeJob;
            end
          end
        end
        FeTag: begin
          if (fe_got_q == 3'd1) fe_q <= FeJob;
        end
        FeJob: begin
          if (ctx_push) begin
            slot_q <= '0;  // the engine has the key now (or never gets it)
            fe_q <= FeIdle;
            if (e_job_fire) begin
              cnt_bytes_q <= cnt_bytes_q + {16'h0, pay_len_q};
              if (pay_len_q != 16'd0) begin
                rd_kind_q <= RdPay;
                rd_idx_q <= ctx_wr_q;
                rd_alg_q <= slot_q.alg;
                rd_addr_q <= d_src + (open_q ? {59'h0, prefix_len_q} : 64'h0);
                rd_left_q <= pay_len_q;
                fe_q <= FeFeed;
              end
            end
          end
        end
        FeFeed: begin
          // Payload reads queued; the next descriptor as soon as the last one is.
          if (rd_fire && rd_last) fe_q <= FeIdle;
        end
        default: fe_q <= FeIdle;
      endcase

      // ---- Back end ---------------------------------------------------------------------------
      wr_out_q <= wr_out_q + {5'h0, wr_fire} - {5'h0, wr_resp_valid_i};
      if (wr_fire) begin
        wk_q[wk_wr_q] <= (be_q == BeCpl);
        wk_wr_q <= wk_wr_q + 5'd1;
      end
      unique case (be_q)
        BeIdle: begin
          be_err_q <= 1'b0;
          if (ctx_cnt_q != '0) begin
            be_addr_q <= hc.dst + (hc.open ? 64'h0 : {59'h0, hc.prefix_len});
            be_beats_q <= hc.beats;
            be_left_q <= hc.pay_len;
            if (!hc.job) be_q <= BeCpl;
            else if (!hc.open && hc.prefix_len != 5'd0) be_q <= BePre;
            else be_q <= BeOut;
          end
        end
        BePre: begin
          if (wr_fire) be_q <= BeOut;
        end
        BeOut: begin
          if (be_beats_q != 12'd0 && wr_fire) begin
            be_addr_q <= be_addr_q + {59'h0, wr_req_len_o};
            be_left_q <= (be_left_q > 16'd16) ? be_left_q - 16'd16 : 16'd0;
            be_beats_q <= be_beats_q - 12'd1;
          end
          if (e_done_fire) begin
            done_ok_q <= e_done_ok;
            done_len_q <= e_done_len;
            be_q <= BeCpl;
          end
        end
        BeCpl: begin
          if (ctx_pop) begin
            be_q <= BeIdle;
            if (wr_fire) begin
              cq_tail_q[hc.q] <= cq_tail_q[hc.q] + 16'd1;
              if (((cq_tail_q[hc.q] + 16'd1) & cq_mask) == 16'd0) cq_phase_q[hc.q] <= !cq_phase_q[hc.q];
              if (cpl_status == StatusOk) cnt_ok_q <= cnt_ok_q + 32'd1;
              else cnt_err_q <= cnt_err_q + 32'd1;
              if (cpl_status == StatusAuthFail) cnt_auth_q <= cnt_auth_q + 32'd1;
              if (cpl_status == StatusDmaErr) cnt_dma_q <= cnt_dma_q + 32'd1;
            end
          end
        end
        default: be_q <= BeIdle;
      endcase
      if (wr_resp_valid_i) begin
        wk_rd_q <= wk_rd_q + 5'd1;
        // An error on a data write belongs to the descriptor at the head (all writes of earlier
        // ones were acknowledged before their completion); one on a completion entry is the
        // host's own ring and changes nothing.
        if (wr_resp_err_i && !wk_q[wk_rd_q]) be_err_q <= 1'b1;
      end

      // ---- Register writes (after the state machines: a queue reset wins) ----------------------
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
            RegKeyWinAlg: if (!hold_q) win_alg_q <= reg_wdata_i;
            RegKeyCmd: ;  // executed or held below
            default: if (!hold_q) begin  // the window of a held LOAD stays as it was
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

      // ---- Key commands (the slot memory itself is written by its own port above) -------------
      if (kc_valid) begin
        if (key_cmd)
          slot_valid_q[cmd_slot] <= kc_data[KeyCmdOpLsb +: KeyCmdOpWidth] == KeyOpLoad;
        // A descriptor whose slot copy the front end holds does not run with it.
        if (key_cmd && cmd_slot == fe_slot_now) begin
          fe_stale_q <= 1'b1;
          slot_q <= '0;
        end
        // The window never keeps a key beyond a command.
        win_key_q <= '0;
        win_iv_q <= '0;
        win_mac_q <= '0;
        win_alg_q <= '0;
      end
    end
  end

  // An open whose tag check failed has already written plaintext to dst: the status says not to
  // use it, and the driver never hands it on. The engine's out_last is implied by the beat count.
  logic unused;
  assign unused = ^{e_out_last, rd_slot16, kc_data[27:16]};  // KEY_CMD bits 27:16 are reserved

endmodule
