#include "attest/policy.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/pem.h>

#include <algorithm>
#include <memory>

namespace ratls::attest {

namespace {

template <std::size_t N>
std::string hex_list(const std::vector<std::array<std::uint8_t, N>>& values) {
  std::string out;
  for (const auto& v : values) {
    if (!out.empty()) out += ", ";
    out += to_hex(v);
  }
  return out;
}

std::string status_list(const std::vector<TcbStatus>& statuses) {
  std::string out;
  for (TcbStatus s : statuses) {
    if (!out.empty()) out += ", ";
    out += tcb_status_name(s);
  }
  return out;
}

// SGX enclave attribute flags (attestation-spec §1.3).
constexpr std::uint64_t kFlagInit = 0x01;
constexpr std::uint64_t kFlagMode64 = 0x04;
constexpr std::uint64_t kFlagProvisionKey = 0x10;
constexpr std::uint64_t kFlagEinittokenKey = 0x20;

}  // namespace

std::vector<Error> apply_policy(const Policy& policy, const QuoteVerification& v) {
  std::vector<Error> errors;
  if (!v.quote) {
    errors.push_back({Status::STATUS_INVALID_PARAMETER, "policy applied to an unparsed quote"});
    return errors;
  }
  const Quote& q = *v.quote;
  if (q.enclave_report) {
    const EnclaveReport& r = *q.enclave_report;
    if (!policy.mrenclave.empty() &&
        std::find(policy.mrenclave.begin(), policy.mrenclave.end(), r.mrenclave) ==
            policy.mrenclave.end()) {
      errors.push_back({Status::STATUS_POLICY_MRENCLAVE_NOT_ALLOWED,
                        "MRENCLAVE " + to_hex(r.mrenclave) +
                            " is not an expected code fingerprint (expected " +
                            hex_list(policy.mrenclave) + ")"});
    }
    if (!policy.mrsigner.empty() &&
        std::find(policy.mrsigner.begin(), policy.mrsigner.end(), r.mrsigner) ==
            policy.mrsigner.end()) {
      errors.push_back({Status::STATUS_POLICY_MRSIGNER_NOT_ALLOWED,
                        "MRSIGNER " + to_hex(r.mrsigner) + " is not an expected signer (expected " +
                            hex_list(policy.mrsigner) + ")"});
    }
    if (policy.isv_prod_id && r.isv_prod_id != *policy.isv_prod_id) {
      errors.push_back({Status::STATUS_POLICY_ISVPRODID_MISMATCH,
                        "ISVPRODID " + std::to_string(r.isv_prod_id) + " differs from the expected " +
                            std::to_string(*policy.isv_prod_id)});
    }
    if (policy.min_isv_svn && r.isv_svn < *policy.min_isv_svn) {
      errors.push_back({Status::STATUS_POLICY_ISVSVN_TOO_LOW,
                        "ISVSVN " + std::to_string(r.isv_svn) + " is below the minimum " +
                            std::to_string(*policy.min_isv_svn)});
    }
    if (r.debug() && !policy.allow_debug) {
      errors.push_back({Status::STATUS_POLICY_DEBUG_ENCLAVE,
                        "the enclave runs in DEBUG mode: its memory is readable by the host "
                        "(rejected unless debug enclaves are allowed)"});
    }
    const std::uint64_t flags = r.flags();
    if ((flags & kFlagInit) == 0 || (flags & kFlagMode64) == 0 ||
        (flags & (kFlagProvisionKey | kFlagEinittokenKey)) != 0) {
      errors.push_back({Status::STATUS_POLICY_ENCLAVE_ATTRIBUTES,
                        "enclave attributes " + to_hex(r.attributes) +
                            " are not those of an application enclave (need INIT and MODE64BIT, "
                            "no PROVISION_KEY or EINITTOKEN_KEY)"});
    }
  } else if (q.td_report) {
    if (!policy.mrenclave.empty() || !policy.mrsigner.empty() || policy.isv_prod_id ||
        policy.min_isv_svn) {
      errors.push_back({Status::STATUS_POLICY_MRENCLAVE_NOT_ALLOWED,
                        "the policy names SGX enclave measurements but the quote is from a TDX "
                        "trust domain"});
    }
    if (q.td_report->debug() && !policy.allow_debug) {
      errors.push_back({Status::STATUS_POLICY_DEBUG_ENCLAVE,
                        "the trust domain runs in DEBUG mode (rejected unless debug is allowed)"});
    }
  }
  // Without an established TCB status (verification stopped early) only the measurements above
  // are judged; the verdict is a rejection anyway.
  if (!v.tcb_status) return errors;
  const TcbStatus status = *v.tcb_status;
  if (std::find(policy.accept_tcb.begin(), policy.accept_tcb.end(), status) ==
      policy.accept_tcb.end()) {
    errors.push_back({Status::STATUS_POLICY_TCB_STATUS_NOT_ACCEPTED,
                      "TCB status " + std::string(tcb_status_name(status)) +
                          " is not accepted (accepted: " + status_list(policy.accept_tcb) + ")"});
  }
  const bool all_advisories =
      std::find(policy.allow_advisories.begin(), policy.allow_advisories.end(), "*") !=
      policy.allow_advisories.end();
  if (!all_advisories) {
    for (const auto& id : v.advisory_ids) {
      if (std::find(policy.allow_advisories.begin(), policy.allow_advisories.end(), id) ==
          policy.allow_advisories.end()) {
        errors.push_back({Status::STATUS_POLICY_ADVISORY_NOT_ALLOWED,
                          "security advisory " + id + " applies to this platform and is not allowed"});
      }
    }
  }
  return errors;
}

std::array<std::uint8_t, 32> mrsigner_from_signer_key_pem(std::string_view pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())),
                                                &BIO_free);
  if (!bio) fail(Status::STATUS_INVALID_PARAMETER, "out of memory reading the signer key");
  EvpPkeyPtr key(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (!key || EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_RSA) {
    fail(Status::STATUS_INVALID_PARAMETER, "signer key is not an RSA public key in PEM");
  }
  BIGNUM* n = nullptr;
  if (EVP_PKEY_get_bn_param(key.get(), OSSL_PKEY_PARAM_RSA_N, &n) != 1 || n == nullptr) {
    fail(Status::STATUS_INVALID_PARAMETER, "cannot read the signer key's modulus");
  }
  std::unique_ptr<BIGNUM, decltype(&BN_free)> modulus(n, &BN_free);
  const int size = EVP_PKEY_get_size(key.get());
  if (size <= 0 || size > 2048) fail(Status::STATUS_INVALID_PARAMETER, "unexpected signer key size");
  Bytes le(static_cast<std::size_t>(size));
  if (BN_bn2lebinpad(modulus.get(), le.data(), size) != size) {
    fail(Status::STATUS_INVALID_PARAMETER, "cannot encode the signer key's modulus");
  }
  Bytes digest = sha256(le);
  std::array<std::uint8_t, 32> out{};
  std::copy(digest.begin(), digest.end(), out.begin());
  return out;
}

}  // namespace ratls::attest
