// SPDX-License-Identifier: BSD-3-Clause
// The list of record engines in this build and the dispatch to them by alg code: one engine
// contract port set toward the host interface, the same set toward every engine. Several jobs
// may be in flight, on the same engine or on different ones: an order FIFO remembers which engine
// each accepted job went to, and out beats and dones are taken from the engine of the oldest job
// until its done, so they leave in job order. Payload beats carry their job's alg (in_alg_i) and
// go straight to its engine (the host interface feeds them in job order). Not for: nonce
// construction or DMA (ftls_crypto_top). When another engine lands in git, add its instance and
// its alg codes to the table below and to engine_of(); nothing else changes. Algs without an
// engine are reported by supported_algs_o and completed as STATUS_UNSUPPORTED by the host
// interface.
module ftls_engines
  import ftls_alg_pkg::*;
#(
  parameter int unsigned OrdDepth = 8  // jobs accepted and not done, all engines (power of two)
) (
  input  logic         clk_i,
  input  logic         rst_ni,
  input  logic         flush_i,           // forget cached keys (after the jobs in flight)
  output logic [15:0]  supported_algs_o,  // bit n: alg code n has an engine
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
  input  logic [3:0]   in_alg_i,          // the alg of the job this beat belongs to
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

  // The engines of this build, in a fixed order.
  localparam int unsigned NumEngines = 3;
  localparam int unsigned ESW = $clog2(NumEngines + 1);
  localparam logic [ESW-1:0] EngGcm = 0;
  localparam logic [ESW-1:0] EngChacha = 1;
  localparam logic [ESW-1:0] EngCbc = 2;
  localparam logic [ESW-1:0] EngNone = 3;  // = NumEngines: no engine

  // Engine index for an alg code; EngNone when none serves it.
  function automatic logic [ESW-1:0] engine_of(input logic [3:0] alg);
    unique case (alg)
      AlgAes128Gcm, AlgAes256Gcm: engine_of = EngGcm;
      AlgChaChaPoly: engine_of = EngChacha;
      AlgAes128CbcSha1, AlgAes256CbcSha1, AlgAes128CbcSha256, AlgAes256CbcSha256: engine_of = EngCbc;
      default: engine_of = EngNone;
    endcase
  endfunction

  for (genvar a = 0; a < 16; a++) begin : g_supported
    assign supported_algs_o[a] = (engine_of(4'(a)) != EngNone);
  end

  logic [NumEngines-1:0]  e_job_valid, e_job_ready, e_in_valid, e_in_ready, e_out_valid;
  logic [NumEngines-1:0]  e_out_ready, e_out_last, e_done_valid, e_done_ready, e_done_ok;
  logic [127:0]           e_out_data [NumEngines];
  logic [15:0]            e_done_len [NumEngines];
  logic [127:0]           e_done_tag [NumEngines];

  // Order FIFO: the engine of every job accepted and not yet done, oldest at ord_rd_q.
  localparam int unsigned OW = $clog2(OrdDepth);
  logic [ESW-1:0] ord_q [OrdDepth];
  logic [OW-1:0]  ord_rd_q, ord_wr_q;
  logic [OW:0]    ord_cnt_q;
  logic [ESW-1:0] job_sel, head, in_sel;
  logic job_fire, done_fire;

  assign job_sel = engine_of(job_alg_i);
  assign in_sel = engine_of(in_alg_i);
  assign head = ord_q[ord_rd_q];

  always_comb begin
    e_job_valid = '0;
    job_ready_o = 1'b0;
    if (!ord_cnt_q[OW] && job_sel != EngNone) begin
      e_job_valid[job_sel] = job_valid_i;
      job_ready_o = e_job_ready[job_sel];
    end
  end
  assign job_fire = job_valid_i && job_ready_o;

  always_comb begin
    e_in_valid = '0;
    e_out_ready = '0;
    e_done_ready = '0;
    in_ready_o = 1'b0;
    out_valid_o = 1'b0;
    out_data_o = '0;
    out_last_o = 1'b0;
    done_valid_o = 1'b0;
    done_ok_o = 1'b0;
    done_len_o = '0;
    done_tag_o = '0;
    for (int e = 0; e < NumEngines; e++) begin
      if (in_sel == e[ESW-1:0]) begin
        e_in_valid[e] = in_valid_i;
        in_ready_o = e_in_ready[e];
      end
      if (ord_cnt_q != '0 && head == e[ESW-1:0]) begin
        out_valid_o = e_out_valid[e];
        e_out_ready[e] = out_ready_i;
        out_data_o = e_out_data[e];
        out_last_o = e_out_last[e];
        done_valid_o = e_done_valid[e];
        e_done_ready[e] = done_ready_i;
        done_ok_o = e_done_ok[e];
        done_len_o = e_done_len[e];
        done_tag_o = e_done_tag[e];
      end
    end
  end
  assign done_fire = done_valid_o && done_ready_i;

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      ord_rd_q <= '0;
      ord_wr_q <= '0;
      ord_cnt_q <= '0;
    end else begin
      if (job_fire) begin
        ord_q[ord_wr_q] <= job_sel;
        ord_wr_q <= ord_wr_q + 1'b1;
      end
      if (done_fire) ord_rd_q <= ord_rd_q + 1'b1;
      ord_cnt_q <= ord_cnt_q + {{OW{1'b0}}, job_fire} - {{OW{1'b0}}, done_fire};
    end
  end

  aes_gcm_engine u_gcm (
    .clk_i, .rst_ni,
    .job_valid_i(e_job_valid[EngGcm]), .job_ready_o(e_job_ready[EngGcm]),
    .job_open_i, .job_alg_i, .job_key_i, .job_mac_key_i, .job_nonce_i, .job_iv_i,
    .job_aad_i, .job_aad_len_i, .job_tag_i, .job_len_i,
    .in_valid_i(e_in_valid[EngGcm]), .in_ready_o(e_in_ready[EngGcm]), .in_data_i, .in_last_i,
    .out_valid_o(e_out_valid[EngGcm]), .out_ready_i(e_out_ready[EngGcm]),
    .out_data_o(e_out_data[EngGcm]), .out_last_o(e_out_last[EngGcm]),
    .done_valid_o(e_done_valid[EngGcm]), .done_ready_i(e_done_ready[EngGcm]),
    .done_ok_o(e_done_ok[EngGcm]), .done_len_o(e_done_len[EngGcm]),
    .done_tag_o(e_done_tag[EngGcm]),
    .flush_i
  );

  chacha_poly_engine u_chacha (
    .clk_i, .rst_ni,
    .job_valid_i(e_job_valid[EngChacha]), .job_ready_o(e_job_ready[EngChacha]),
    .job_open_i, .job_alg_i, .job_key_i, .job_mac_key_i, .job_nonce_i, .job_iv_i,
    .job_aad_i, .job_aad_len_i, .job_tag_i, .job_len_i,
    .in_valid_i(e_in_valid[EngChacha]), .in_ready_o(e_in_ready[EngChacha]), .in_data_i, .in_last_i,
    .out_valid_o(e_out_valid[EngChacha]), .out_ready_i(e_out_ready[EngChacha]),
    .out_data_o(e_out_data[EngChacha]), .out_last_o(e_out_last[EngChacha]),
    .done_valid_o(e_done_valid[EngChacha]), .done_ready_i(e_done_ready[EngChacha]),
    .done_ok_o(e_done_ok[EngChacha]), .done_len_o(e_done_len[EngChacha]),
    .done_tag_o(e_done_tag[EngChacha])
  );

  cbc_hmac_engine u_cbc (
    .clk_i, .rst_ni,
    .job_valid_i(e_job_valid[EngCbc]), .job_ready_o(e_job_ready[EngCbc]),
    .job_open_i, .job_alg_i, .job_key_i, .job_mac_key_i, .job_nonce_i, .job_iv_i,
    .job_aad_i, .job_aad_len_i, .job_tag_i, .job_len_i,
    .in_valid_i(e_in_valid[EngCbc]), .in_ready_o(e_in_ready[EngCbc]), .in_data_i, .in_last_i,
    .out_valid_o(e_out_valid[EngCbc]), .out_ready_i(e_out_ready[EngCbc]),
    .out_data_o(e_out_data[EngCbc]), .out_last_o(e_out_last[EngCbc]),
    .done_valid_o(e_done_valid[EngCbc]), .done_ready_i(e_done_ready[EngCbc]),
    .done_ok_o(e_done_ok[EngCbc]), .done_len_o(e_done_len[EngCbc]),
    .done_tag_o(e_done_tag[EngCbc])
  );

endmodule
