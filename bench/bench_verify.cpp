// Full verification of the dcap-qvl SGX vector with pre-parsed collateral, beside the work no
// verifier can skip for that quote: decoding the PCK chain carried in the quote and the ECDSA
// P-256 verifications (PCK chain, QE report, ISV signature, two CRLs, TCB signing certificate, TCB
// info, QE identity). bench/run.sh reports the ratio of the two.
#include <benchmark/benchmark.h>

#include <fstream>
#include <iterator>

#include "attest/verifier.h"

namespace {

using namespace ratls::attest;

Bytes read_file(const std::string& relative) {
  std::ifstream in(std::string(RATLS_TESTDATA_DIR) + "/" + relative, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

struct Fixture {
  Bytes quote = read_file("dcap/phala_dcap_qvl/sgx_v3_quote.bin");
  Bytes collateral_json = read_file("dcap/phala_dcap_qvl/sgx_v3_quote.collateral.json");
  ParsedCollateral collateral =
      parse_collateral(collateral_from_dcap_qvl_json(as_chars(collateral_json)));
  X509Ptr root = intel_sgx_root_ca();
  UnixTime at = *parse_rfc3339("2025-07-19T10:01:17Z");
};

const Fixture& fixture() {
  static const Fixture f;
  return f;
}

void BM_FullVerification(benchmark::State& state) {
  const auto& f = fixture();
  VerifyInput in;
  in.quote = f.quote;
  in.collateral = &f.collateral;
  in.root = f.root.get();
  in.at = f.at;
  for (auto _ : state) {
    auto r = verify_quote(in);
    if (!r.genuine()) state.SkipWithError("vector did not verify");
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_FullVerification);

// The floor: what any verifier of this quote must do, with the keys already at hand.
void BM_UnavoidableCryptoFloor(benchmark::State& state) {
  const auto& f = fixture();
  const Quote q = parse_quote(f.quote);
  const auto chain = parse_pem_chain(as_chars(q.certification_data), Status::STATUS_UNSUPPORTED_PCK_CERT_FORMAT);
  const X509* signing = f.collateral.tcb_info_chain.front().get();
  EVP_PKEY* root_key = X509_get0_pubkey(f.root.get());
  EVP_PKEY* signing_key = X509_get0_pubkey(signing);
  for (auto _ : state) {
    // Decode the chain the quote carries (it is new with every quote).
    auto decoded = parse_pem_chain(as_chars(q.certification_data), Status::STATUS_UNSUPPORTED_PCK_CERT_FORMAT);
    EVP_PKEY* inter_key = X509_get0_pubkey(decoded[1].get());
    EVP_PKEY* leaf_key = X509_get0_pubkey(decoded[0].get());
    int ok = 1;
    ok &= X509_verify(decoded[0].get(), inter_key);                     // PCK <- PCK CA
    ok &= X509_verify(decoded[1].get(), root_key);                      // PCK CA <- root
    ok &= ecdsa_p256_verify_raw(leaf_key, q.qe_report.raw, q.qe_report_signature);  // QE report
    EvpPkeyPtr att = p256_public_key(q.attestation_key);
    ok &= ecdsa_p256_verify_raw(att.get(), q.signed_region(), q.isv_signature);     // ISV
    ok &= X509_CRL_verify(f.collateral.root_ca_crl.get(), root_key);    // root CA CRL
    ok &= X509_CRL_verify(f.collateral.pck_crl.get(), inter_key);       // PCK CRL
    ok &= X509_verify(const_cast<X509*>(signing), root_key);            // TCB signing cert
    ok &= ecdsa_p256_verify_raw(signing_key, as_bytes(f.collateral.raw.tcb_info.body),
                                f.collateral.raw.tcb_info.signature);   // TCB info
    ok &= ecdsa_p256_verify_raw(signing_key, as_bytes(f.collateral.raw.qe_identity.body),
                                f.collateral.raw.qe_identity.signature);  // QE identity
    if (!ok) state.SkipWithError("floor verification failed");
    benchmark::DoNotOptimize(ok);
  }
  (void)chain;
}
BENCHMARK(BM_UnavoidableCryptoFloor);

void BM_SingleEcdsaP256Verify(benchmark::State& state) {
  const auto& f = fixture();
  const Quote q = parse_quote(f.quote);
  EvpPkeyPtr att = p256_public_key(q.attestation_key);
  for (auto _ : state) {
    benchmark::DoNotOptimize(ecdsa_p256_verify_raw(att.get(), q.signed_region(), q.isv_signature));
  }
}
BENCHMARK(BM_SingleEcdsaP256Verify);

void BM_ParseQuote(benchmark::State& state) {
  const auto& f = fixture();
  for (auto _ : state) benchmark::DoNotOptimize(parse_quote(f.quote));
}
BENCHMARK(BM_ParseQuote);

void BM_ParseCollateral(benchmark::State& state) {
  const auto& f = fixture();
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        parse_collateral(collateral_from_dcap_qvl_json(as_chars(f.collateral_json))));
  }
}
BENCHMARK(BM_ParseCollateral);

}  // namespace

BENCHMARK_MAIN();
