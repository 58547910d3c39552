#include "attest/verifier.h"

#include <algorithm>
#include <cstdio>

#include "attest/tcb_eval.h"

namespace ratls::attest {

namespace {

constexpr std::string_view kPlatformCaName = "Intel SGX PCK Platform CA";
constexpr std::string_view kProcessorCaName = "Intel SGX PCK Processor CA";

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

std::string when(UnixTime t) { return format_rfc3339(t); }

// A PEM issuer chain from collateral: the signing certificate first, the root optional (the
// Cosmian evidence form carries only the signing certificate).
std::vector<X509Ptr> decode_issuer_chain(const std::string& pem) {
  return parse_pem_chain(pem, Status::STATUS_UNSUPPORTED_CERT_FORMAT);
}

struct SigningChainStatuses {
  Status untrusted;
  Status expired;
  Status revoked;
  const char* what;  // "TCB info", "QE identity"
};

// Checks the TCB signing certificate of a collateral item chains to the pinned root at `at` and is
// not revoked by the (already checked) root CA CRL. Returns the signing certificate.
const X509* verify_signing_chain(const std::vector<X509Ptr>& chain, const X509* root,
                                 const X509_CRL* root_crl, UnixTime at,
                                 const SigningChainStatuses& st) {
  if (chain.empty()) {
    fail(Status::STATUS_SGX_TCB_SIGNING_CERT_MISSING,
         std::string(st.what) + " issuer chain holds no certificate");
  }
  const X509* signer = chain.front().get();
  if (!contains(common_name(signer), "SGX TCB Signing")) {
    fail(Status::STATUS_SGX_TCB_SIGNING_CERT_INVALID,
         std::string(st.what) + " is signed by \"" + common_name(signer) +
             "\", not an Intel SGX TCB Signing certificate");
  }
  std::vector<const X509*> path{signer};
  path.push_back(chain.size() >= 2 ? chain[1].get() : root);
  if (chain.size() > 2) {
    fail(Status::STATUS_UNSUPPORTED_CERT_FORMAT,
         std::string(st.what) + " issuer chain has " + std::to_string(chain.size()) +
             " certificates; expected the TCB signing certificate and the root");
  }
  ChainCheck check = verify_chain(path, root, at);
  switch (check.failure) {
    case ChainCheck::Failure::kNone:
      break;
    case ChainCheck::Failure::kExpired:
    case ChainCheck::Failure::kNotYetValid:
      fail(st.expired, std::string(st.what) + " signing chain: " + check.message);
    default:
      fail(st.untrusted, std::string(st.what) + " signing chain: " + check.message);
  }
  CrlCheck crl = check_crl(root_crl, root, signer, at);
  if (crl.failure == CrlCheck::Failure::kRevoked) {
    fail(st.revoked, std::string(st.what) + " signing certificate is revoked by the root CA CRL");
  }
  if (!crl.ok()) fail(Status::STATUS_SGX_CRL_INVALID, "root CA CRL: " + crl.message);
  return signer;
}

void verify_signed_json(const SignedJson& item, const X509* signer, Status bad_signature,
                        const char* what) {
  EVP_PKEY* key = X509_get0_pubkey(signer);
  if (item.signature.size() != 64 || key == nullptr ||
      !ecdsa_p256_verify_raw(key, as_bytes(item.body), item.signature)) {
    fail(bad_signature, std::string(what) +
                            " signature does not verify with the TCB signing key (the JSON was "
                            "altered or re-formatted)");
  }
}

void check_window(UnixTime issue, UnixTime next_update, UnixTime at, Status expired,
                  const char* what) {
  if (at > next_update) {
    fail(expired, std::string(what) + " expired at " + when(next_update) + " (verification time " +
                      when(at) + "); fetch current collateral");
  }
  if (at < issue) {
    fail(expired, std::string(what) + " is not valid before its issue date " + when(issue) +
                      " (verification time " + when(at) + ")");
  }
}

void check_crl_or_fail(const X509_CRL* crl, const X509* issuer, const X509* subject, UnixTime at,
                       const char* what, Status revoked, const std::string& revoked_message) {
  CrlCheck c = check_crl(crl, issuer, subject, at);
  switch (c.failure) {
    case CrlCheck::Failure::kNone:
      return;
    case CrlCheck::Failure::kIssuerMismatch:
      fail(Status::STATUS_SGX_CRL_UNKNOWN_ISSUER, std::string(what) + ": " + c.message);
    case CrlCheck::Failure::kBadSignature:
      fail(Status::STATUS_SGX_CRL_INVALID_SIGNATURE, std::string(what) + ": " + c.message);
    case CrlCheck::Failure::kNotYetValid:
    case CrlCheck::Failure::kExpired:
      fail(Status::STATUS_SGX_CRL_EXPIRED, std::string(what) + ": " + c.message);
    case CrlCheck::Failure::kRevoked:
      fail(revoked, revoked_message);
  }
}

void append_advisories(std::vector<std::string>& out, const std::vector<std::string>& ids) {
  for (const auto& id : ids) {
    if (std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
  }
}

std::string components_text(const std::array<std::uint8_t, 16>& c) {
  std::string s = "[";
  for (std::size_t i = 0; i < c.size(); ++i) {
    if (i) s += ",";
    s += std::to_string(c[i]);
  }
  return s + "]";
}

// TDX module identity check and module TCB status (attestation-spec §2.10 TDX step 1 and 3).
// Returns the module level, or nullptr when the module's major version uses the base tdxModule.
const IsvTcbLevel* check_tdx_module(const TcbInfo& info, const TdReport& td) {
  const std::uint8_t major = td.tee_tcb_svn[1];
  const TdxModule* expected = nullptr;
  const TdxModuleIdentity* identity = nullptr;
  if (major > 0) {
    char id[16];
    std::snprintf(id, sizeof id, "TDX_%02X", major);
    for (const auto& m : info.tdx_module_identities) {
      std::string upper = m.id;
      std::transform(upper.begin(), upper.end(), upper.begin(),
                     [](unsigned char ch) { return static_cast<char>(std::toupper(ch)); });
      if (upper == id) identity = &m;
    }
    if (identity == nullptr) {
      fail(Status::STATUS_TDX_MODULE_MISMATCH,
           std::string("TCB info has no TDX module identity ") + id);
    }
    expected = &identity->module;
  } else {
    if (!info.tdx_module) fail(Status::STATUS_TDX_MODULE_MISMATCH, "TCB info has no tdxModule");
    expected = &*info.tdx_module;
  }
  if (td.mrsignerseam != expected->mrsigner) {
    fail(Status::STATUS_TDX_MODULE_MISMATCH,
         "MRSIGNERSEAM " + to_hex(td.mrsignerseam) + " is not the expected TDX module signer");
  }
  const std::array<std::uint8_t, 8> zero{};
  if (td.seam_attributes != zero || expected->attributes != zero) {
    fail(Status::STATUS_TDX_MODULE_MISMATCH,
         "SEAMATTRIBUTES " + to_hex(td.seam_attributes) + " must be zero");
  }
  if (identity == nullptr) return nullptr;
  const IsvTcbLevel* level = match_isv_tcb_level(identity->levels, td.tee_tcb_svn[0]);
  if (level == nullptr) {
    fail(Status::STATUS_TCB_NOT_SUPPORTED, "TDX module ISVSVN " + std::to_string(td.tee_tcb_svn[0]) +
                                               " is below every level of " + identity->id);
  }
  return level;
}

const TcbLevel* match_tdx_tcb_level(const TcbInfo& info, const PckExtension& pck,
                                    const TdReport& td) {
  std::vector<const TcbLevel*> sorted;
  for (const auto& level : info.levels) sorted.push_back(&level);
  std::stable_sort(sorted.begin(), sorted.end(), [](const TcbLevel* a, const TcbLevel* b) {
    if (a->sgx_components != b->sgx_components) return a->sgx_components > b->sgx_components;
    if (a->pcesvn != b->pcesvn) return a->pcesvn > b->pcesvn;
    const std::array<std::uint8_t, 16> none{};
    return a->tdx_components.value_or(none) > b->tdx_components.value_or(none);
  });
  // With a module major version in TEE_TCB_SVN[1], bytes 0..1 are checked by the module identity.
  const std::size_t first = td.tee_tcb_svn[1] > 0 ? 2 : 0;
  for (const TcbLevel* level : sorted) {
    bool reached = pck.pcesvn >= level->pcesvn && level->tdx_components.has_value();
    for (std::size_t i = 0; reached && i < 16; ++i) {
      reached = pck.tcb_components[i] >= level->sgx_components[i];
    }
    for (std::size_t i = first; reached && i < 16; ++i) {
      reached = td.tee_tcb_svn[i] >= (*level->tdx_components)[i];
    }
    if (reached) return level;
  }
  return nullptr;
}

TcbStatus converge_with_module(TcbStatus platform, TcbStatus module) {
  if (module == TcbStatus::kRevoked) return TcbStatus::kRevoked;
  if (module == TcbStatus::kOutOfDate) {
    if (platform == TcbStatus::kUpToDate || platform == TcbStatus::kSWHardeningNeeded) {
      return TcbStatus::kOutOfDate;
    }
    if (platform == TcbStatus::kConfigurationNeeded ||
        platform == TcbStatus::kConfigurationAndSWHardeningNeeded) {
      return TcbStatus::kOutOfDateConfigurationNeeded;
    }
  }
  return platform;
}

}  // namespace

ParsedCollateral parse_collateral(const Collateral& raw) {
  ParsedCollateral p;
  p.raw = raw;
  p.tcb_info = parse_tcb_info(raw.tcb_info.body);
  p.qe_identity = parse_qe_identity(raw.qe_identity.body);
  p.tcb_info_chain = decode_issuer_chain(raw.tcb_info_issuer_chain);
  p.qe_identity_chain = decode_issuer_chain(raw.qe_identity_issuer_chain);
  p.pck_crl = parse_crl(raw.pck_crl);
  p.root_ca_crl = parse_crl(raw.root_ca_crl);
  if (!raw.pck_crl_issuer_chain.empty()) {
    p.pck_crl_chain = decode_issuer_chain(raw.pck_crl_issuer_chain);
  }
  return p;
}

QuoteVerification verify_quote(const VerifyInput& input) {
  QuoteVerification r;
  X509Ptr builtin_root;
  const X509* root = input.root;
  if (root == nullptr) {
    builtin_root = intel_sgx_root_ca();
    root = builtin_root.get();
  }
  const UnixTime at = input.at;
  try {
    r.quote = parse_quote(input.quote);
    const Quote& q = *r.quote;

    // §2.2: only a PCK certificate chain in the quote can be verified without a PCCS.
    if (q.certification_data_type != 5) {
      fail(Status::STATUS_UNSUPPORTED_QE_CERTIFICATION_DATA_TYPE,
           "certification data type " + std::to_string(q.certification_data_type) +
               " carries no PCK certificate chain (type 5 is required)");
    }
    auto chain = parse_pem_chain(as_chars(q.certification_data),
                                 Status::STATUS_UNSUPPORTED_PCK_CERT_FORMAT);
    if (chain.size() == 1) {
      fail(Status::STATUS_SGX_INTERMEDIATE_CA_MISSING, "the quote's PCK chain has no PCK CA");
    }
    if (chain.size() == 2) {
      fail(Status::STATUS_SGX_ROOT_CA_MISSING, "the quote's PCK chain has no root CA");
    }
    if (chain.size() > 3) {
      fail(Status::STATUS_UNSUPPORTED_PCK_CERT_FORMAT,
           "the quote's PCK chain has " + std::to_string(chain.size()) +
               " certificates (expected PCK, PCK CA, root)");
    }
    const X509* leaf = chain[0].get();
    const X509* intermediate = chain[1].get();
    if (!contains(common_name(leaf), "SGX PCK Certificate")) {
      fail(Status::STATUS_SGX_PCK_INVALID,
           "first certificate of the PCK chain is \"" + common_name(leaf) + "\", not a PCK certificate");
    }
    const std::string ca_name = common_name(intermediate);
    if (ca_name == kPlatformCaName) {
      r.pck_ca = "platform";
    } else if (ca_name == kProcessorCaName) {
      r.pck_ca = "processor";
    } else {
      fail(Status::STATUS_SGX_INTERMEDIATE_CA_INVALID,
           "PCK issuer is \"" + ca_name + "\", not an Intel SGX PCK Platform/Processor CA");
    }
    ChainCheck cc = verify_chain({leaf, intermediate, chain[2].get()}, root, at);
    switch (cc.failure) {
      case ChainCheck::Failure::kNone:
        break;
      case ChainCheck::Failure::kUntrustedRoot:
        fail(Status::STATUS_SGX_ROOT_CA_UNTRUSTED, "PCK chain: " + cc.message);
      case ChainCheck::Failure::kExpired:
      case ChainCheck::Failure::kNotYetValid:
        fail(Status::STATUS_SGX_PCK_CERT_CHAIN_EXPIRED, "PCK chain: " + cc.message);
      case ChainCheck::Failure::kNotACa:
        fail(Status::STATUS_SGX_INTERMEDIATE_CA_INVALID_EXTENSIONS, "PCK chain: " + cc.message);
      case ChainCheck::Failure::kWrongKeyType:
        fail(cc.depth == 0 ? Status::STATUS_SGX_PCK_INVALID : Status::STATUS_SGX_INTERMEDIATE_CA_INVALID,
             "PCK chain: " + cc.message);
      default:
        fail(Status::STATUS_SGX_PCK_CERT_CHAIN_UNTRUSTED, "PCK chain: " + cc.message);
    }
    r.pck = parse_pck_extension(leaf);
    r.pck_leaf = clone(chain[0]);

    // §2.7: the PCK key signs the QE report, which binds the attestation key.
    EVP_PKEY* pck_key = X509_get0_pubkey(leaf);
    if (pck_key == nullptr ||
        !ecdsa_p256_verify_raw(pck_key, q.qe_report.raw, q.qe_report_signature)) {
      fail(Status::STATUS_INVALID_QE_REPORT_SIGNATURE,
           "QE report signature does not verify with the PCK certificate's key");
    }
    Bytes binding(q.attestation_key.begin(), q.attestation_key.end());
    binding.insert(binding.end(), q.qe_auth_data.begin(), q.qe_auth_data.end());
    const Bytes expected = sha256(binding);
    const auto& qe_rd = q.qe_report.report_data;
    const bool upper_zero = std::all_of(qe_rd.begin() + 32, qe_rd.end(), [](auto b) { return b == 0; });
    if (!std::equal(expected.begin(), expected.end(), qe_rd.begin()) || !upper_zero) {
      fail(Status::STATUS_INVALID_QE_REPORT_DATA,
           "QE report data does not bind the attestation key (expected SHA-256(key||auth) " +
               to_hex(expected) + " followed by zeros)");
    }
    // §2.9: the attestation key signs header and body.
    EvpPkeyPtr att_key = p256_public_key(q.attestation_key);
    if (!att_key || !ecdsa_p256_verify_raw(att_key.get(), q.signed_region(), q.isv_signature)) {
      fail(Status::STATUS_INVALID_QUOTE_SIGNATURE,
           "quote signature does not verify with the attestation key (header or report altered)");
    }

    if (input.collateral == nullptr) {
      r.errors.push_back({Status::STATUS_MISSING_COLLATERAL,
                          "no collateral: TCB status, QE identity and revocation were not checked "
                          "(pass --collateral)"});
      return r;
    }
    const ParsedCollateral& c = *input.collateral;
    r.collateral_checked = true;
    r.collateral_expiry = std::min({c.tcb_info.next_update, c.qe_identity.next_update,
                                    asn1_time_to_unix(X509_CRL_get0_nextUpdate(c.pck_crl.get())),
                                    asn1_time_to_unix(X509_CRL_get0_nextUpdate(c.root_ca_crl.get()))});

    // §2.3: revocation of the PCK CA by the root, of the PCK by its CA.
    check_crl_or_fail(c.root_ca_crl.get(), root, intermediate, at, "root CA CRL",
                      Status::STATUS_SGX_INTERMEDIATE_CA_REVOKED,
                      "the PCK CA \"" + ca_name + "\" is revoked by the root CA CRL");
    check_crl_or_fail(c.pck_crl.get(), intermediate, leaf, at, "PCK CRL", Status::STATUS_PCK_REVOKED,
                      "the PCK certificate is revoked by the " + ca_name + " CRL");

    // §2.5: TCB info.
    const X509* tcb_signer = verify_signing_chain(
        c.tcb_info_chain, root, c.root_ca_crl.get(), at,
        {Status::STATUS_SGX_TCB_SIGNING_CERT_CHAIN_UNTRUSTED,
         Status::STATUS_SGX_SIGNING_CERT_CHAIN_EXPIRED,
         Status::STATUS_SGX_TCB_SIGNING_CERT_REVOKED, "TCB info"});
    verify_signed_json(c.raw.tcb_info, tcb_signer, Status::STATUS_TCB_INFO_INVALID_SIGNATURE,
                       "TCB info");
    check_window(c.tcb_info.issue_date, c.tcb_info.next_update, at,
                 Status::STATUS_SGX_TCB_INFO_EXPIRED, "TCB info");
    const TcbInfo& info = c.tcb_info;
    const bool tdx = q.tee == TeeType::kTdx;
    if (tdx ? (info.version != 3 || info.id != "TDX") : (info.id != "SGX")) {
      fail(Status::STATUS_TCB_INFO_MISMATCH, "TCB info is for " + info.id + " (version " +
                                                 std::to_string(info.version) + "), the quote is " +
                                                 std::string(tdx ? "TDX" : "SGX"));
    }
    if (info.fmspc != r.pck->fmspc) {
      fail(Status::STATUS_TCB_INFO_MISMATCH, "TCB info is for FMSPC " + to_hex(info.fmspc) +
                                                 ", the PCK certificate's FMSPC is " +
                                                 to_hex(r.pck->fmspc));
    }
    if (info.pce_id != r.pck->pce_id) {
      fail(Status::STATUS_TCB_INFO_MISMATCH, "TCB info is for PCE ID " + to_hex(info.pce_id) +
                                                 ", the PCK certificate's is " + to_hex(r.pck->pce_id));
    }

    // §2.6, §2.8: QE identity.
    const X509* qe_signer = verify_signing_chain(
        c.qe_identity_chain, root, c.root_ca_crl.get(), at,
        {Status::STATUS_SGX_TCB_SIGNING_CERT_CHAIN_UNTRUSTED,
         Status::STATUS_SGX_SIGNING_CERT_CHAIN_EXPIRED,
         Status::STATUS_SGX_TCB_SIGNING_CERT_REVOKED, "QE identity"});
    verify_signed_json(c.raw.qe_identity, qe_signer,
                       Status::STATUS_SGX_ENCLAVE_IDENTITY_INVALID_SIGNATURE, "QE identity");
    check_window(c.qe_identity.issue_date, c.qe_identity.next_update, at,
                 Status::STATUS_SGX_ENCLAVE_IDENTITY_EXPIRED, "QE identity");
    const std::string want_id = tdx ? "TD_QE" : "QE";
    if (c.qe_identity.id != want_id) {
      fail(Status::STATUS_SGX_ENCLAVE_IDENTITY_INVALID,
           "QE identity is for " + c.qe_identity.id + ", the quote needs " + want_id);
    }
    if (std::string why = qe_identity_mismatch(c.qe_identity, q.qe_report); !why.empty()) {
      fail(Status::STATUS_QE_IDENTITY_MISMATCH, why);
    }
    const IsvTcbLevel* qe_level = match_isv_tcb_level(c.qe_identity.levels, q.qe_report.isv_svn);
    if (qe_level == nullptr) {
      fail(Status::STATUS_TCB_NOT_SUPPORTED, "QE ISVSVN " + std::to_string(q.qe_report.isv_svn) +
                                                 " is below every level of the QE identity");
    }
    r.qe_tcb_status = qe_level->status;

    // §2.10: platform TCB level.
    const TcbLevel* level = nullptr;
    const IsvTcbLevel* module_level = nullptr;
    if (tdx) {
      module_level = check_tdx_module(info, *q.td_report);
      level = match_tdx_tcb_level(info, *r.pck, *q.td_report);
    } else {
      level = match_sgx_tcb_level(info, *r.pck);
    }
    if (level == nullptr) {
      fail(Status::STATUS_TCB_NOT_SUPPORTED,
           "no TCB level of FMSPC " + to_hex(info.fmspc) + " is reached by the platform (PCK TCB " +
               components_text(r.pck->tcb_components) + ", PCESVN " + std::to_string(r.pck->pcesvn) +
               ")");
    }
    TcbStatus platform = level->status;
    if (module_level != nullptr) platform = converge_with_module(platform, module_level->status);
    r.platform_tcb_status = platform;
    r.tcb_date = level->tcb_date;
    append_advisories(r.advisory_ids, level->advisory_ids);
    if (module_level != nullptr) append_advisories(r.advisory_ids, module_level->advisory_ids);
    append_advisories(r.advisory_ids, qe_level->advisory_ids);
    r.tcb_status = converge_tcb_status(platform, qe_level->status);
    if (*r.tcb_status == TcbStatus::kRevoked) {
      r.errors.push_back({Status::STATUS_TCB_REVOKED,
                          "the platform or QE TCB level is revoked (status Revoked)"});
    }
  } catch (const AttestError& e) {
    r.errors.push_back(e.error());
  }
  return r;
}

}  // namespace ratls::attest
