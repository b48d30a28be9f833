// SPDX-License-Identifier: Apache-2.0
// Algorithm codes shared by every record engine. Hand-written so that the engines do not depend on
// the generated register package ftls_regs_pkg; the codes must equal the register map's alg field.
// This file holds only those codes, nothing else.
package ftls_alg_pkg;
  typedef enum logic [3:0] {
    AlgNone = 4'd0, AlgAes128Gcm = 4'd1, AlgAes256Gcm = 4'd2, AlgChaChaPoly = 4'd3,
    AlgAes128CbcSha1 = 4'd4, AlgAes256CbcSha1 = 4'd5, AlgAes128CbcSha256 = 4'd6,
    AlgAes256CbcSha256 = 4'd7
  } alg_e;
endpackage
