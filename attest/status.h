// Verification status codes: Intel QVL's names (QuoteVerification.h `Status`) so users can look
// them up, plus the few this project adds for its own checks (collateral presence, policy).
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace ratls::attest {

#define RATLS_STATUS_LIST(X)                          \
  X(STATUS_OK)                                        \
  X(STATUS_UNSUPPORTED_CERT_FORMAT)                   \
  X(STATUS_SGX_ROOT_CA_MISSING)                       \
  X(STATUS_SGX_ROOT_CA_INVALID)                       \
  X(STATUS_SGX_ROOT_CA_INVALID_EXTENSIONS)            \
  X(STATUS_SGX_ROOT_CA_INVALID_ISSUER)                \
  X(STATUS_SGX_ROOT_CA_UNTRUSTED)                     \
  X(STATUS_SGX_INTERMEDIATE_CA_MISSING)               \
  X(STATUS_SGX_INTERMEDIATE_CA_INVALID)               \
  X(STATUS_SGX_INTERMEDIATE_CA_INVALID_EXTENSIONS)    \
  X(STATUS_SGX_INTERMEDIATE_CA_INVALID_ISSUER)        \
  X(STATUS_SGX_INTERMEDIATE_CA_REVOKED)               \
  X(STATUS_SGX_PCK_MISSING)                           \
  X(STATUS_SGX_PCK_INVALID)                           \
  X(STATUS_SGX_PCK_INVALID_EXTENSIONS)                \
  X(STATUS_SGX_PCK_INVALID_ISSUER)                    \
  X(STATUS_SGX_PCK_REVOKED)                           \
  X(STATUS_TRUSTED_ROOT_CA_INVALID)                   \
  X(STATUS_SGX_PCK_CERT_CHAIN_UNTRUSTED)              \
  X(STATUS_SGX_TCB_INFO_UNSUPPORTED_FORMAT)           \
  X(STATUS_SGX_TCB_INFO_INVALID)                      \
  X(STATUS_TCB_INFO_INVALID_SIGNATURE)                \
  X(STATUS_SGX_TCB_SIGNING_CERT_MISSING)              \
  X(STATUS_SGX_TCB_SIGNING_CERT_INVALID)              \
  X(STATUS_SGX_TCB_SIGNING_CERT_INVALID_EXTENSIONS)   \
  X(STATUS_SGX_TCB_SIGNING_CERT_INVALID_ISSUER)       \
  X(STATUS_SGX_TCB_SIGNING_CERT_CHAIN_UNTRUSTED)      \
  X(STATUS_SGX_TCB_SIGNING_CERT_REVOKED)              \
  X(STATUS_SGX_CRL_UNSUPPORTED_FORMAT)                \
  X(STATUS_SGX_CRL_UNKNOWN_ISSUER)                    \
  X(STATUS_SGX_CRL_INVALID)                           \
  X(STATUS_SGX_CRL_INVALID_EXTENSIONS)                \
  X(STATUS_SGX_CRL_INVALID_SIGNATURE)                 \
  X(STATUS_SGX_CA_CERT_UNSUPPORTED_FORMAT)            \
  X(STATUS_SGX_CA_CERT_INVALID)                       \
  X(STATUS_TRUSTED_ROOT_CA_UNSUPPORTED_FORMAT)        \
  X(STATUS_MISSING_PARAMETERS)                        \
  X(STATUS_UNSUPPORTED_QUOTE_FORMAT)                  \
  X(STATUS_UNSUPPORTED_PCK_CERT_FORMAT)               \
  X(STATUS_INVALID_PCK_CERT)                          \
  X(STATUS_UNSUPPORTED_PCK_RL_FORMAT)                 \
  X(STATUS_INVALID_PCK_CRL)                           \
  X(STATUS_UNSUPPORTED_TCB_INFO_FORMAT)               \
  X(STATUS_PCK_REVOKED)                               \
  X(STATUS_TCB_INFO_MISMATCH)                         \
  X(STATUS_TCB_OUT_OF_DATE)                           \
  X(STATUS_TCB_REVOKED)                               \
  X(STATUS_TCB_CONFIGURATION_NEEDED)                  \
  X(STATUS_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED)      \
  X(STATUS_TCB_NOT_SUPPORTED)                         \
  X(STATUS_TCB_UNRECOGNIZED_STATUS)                   \
  X(STATUS_UNSUPPORTED_QE_CERTIFICATION)              \
  X(STATUS_INVALID_QE_CERTIFICATION_DATA_SIZE)        \
  X(STATUS_UNSUPPORTED_QE_CERTIFICATION_DATA_TYPE)    \
  X(STATUS_PCK_CERT_MISMATCH)                         \
  X(STATUS_INVALID_QE_REPORT_SIGNATURE)               \
  X(STATUS_INVALID_QE_REPORT_DATA)                    \
  X(STATUS_INVALID_QUOTE_SIGNATURE)                   \
  X(STATUS_SGX_QE_IDENTITY_UNSUPPORTED_FORMAT)        \
  X(STATUS_SGX_QE_IDENTITY_INVALID)                   \
  X(STATUS_SGX_QE_IDENTITY_INVALID_SIGNATURE)         \
  X(STATUS_SGX_ENCLAVE_REPORT_UNSUPPORTED_FORMAT)     \
  X(STATUS_SGX_ENCLAVE_IDENTITY_UNSUPPORTED_FORMAT)   \
  X(STATUS_SGX_ENCLAVE_IDENTITY_INVALID)              \
  X(STATUS_SGX_ENCLAVE_IDENTITY_UNSUPPORTED_VERSION)  \
  X(STATUS_SGX_ENCLAVE_IDENTITY_OUT_OF_DATE)          \
  X(STATUS_SGX_ENCLAVE_REPORT_MISCSELECT_MISMATCH)    \
  X(STATUS_SGX_ENCLAVE_REPORT_ATTRIBUTES_MISMATCH)    \
  X(STATUS_SGX_ENCLAVE_REPORT_MRENCLAVE_MISMATCH)     \
  X(STATUS_SGX_ENCLAVE_REPORT_MRSIGNER_MISMATCH)      \
  X(STATUS_SGX_ENCLAVE_REPORT_ISVPRODID_MISMATCH)     \
  X(STATUS_SGX_ENCLAVE_REPORT_ISVSVN_OUT_OF_DATE)     \
  X(STATUS_UNSUPPORTED_QE_IDENTITY_FORMAT)            \
  X(STATUS_QE_IDENTITY_OUT_OF_DATE)                   \
  X(STATUS_QE_IDENTITY_MISMATCH)                      \
  X(STATUS_SGX_TCB_INFO_EXPIRED)                      \
  X(STATUS_SGX_ENCLAVE_IDENTITY_INVALID_SIGNATURE)    \
  X(STATUS_INVALID_PARAMETER)                         \
  X(STATUS_SGX_PCK_CERT_CHAIN_EXPIRED)                \
  X(STATUS_SGX_CRL_EXPIRED)                           \
  X(STATUS_SGX_SIGNING_CERT_CHAIN_EXPIRED)            \
  X(STATUS_SGX_ENCLAVE_IDENTITY_EXPIRED)              \
  X(STATUS_TCB_SW_HARDENING_NEEDED)                   \
  X(STATUS_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED) \
  X(STATUS_SGX_ENCLAVE_REPORT_ISVSVN_REVOKED)         \
  X(STATUS_TDX_MODULE_MISMATCH)                       \
  X(STATUS_SGX_ENCLAVE_REPORT_ISVSVN_NOT_SUPPORTED)   \
  /* Not in QVL: this project's own outcomes. */      \
  X(STATUS_MISSING_COLLATERAL)                        \
  X(STATUS_POLICY_MRENCLAVE_NOT_ALLOWED)              \
  X(STATUS_POLICY_MRSIGNER_NOT_ALLOWED)               \
  X(STATUS_POLICY_ISVPRODID_MISMATCH)                 \
  X(STATUS_POLICY_ISVSVN_TOO_LOW)                     \
  X(STATUS_POLICY_DEBUG_ENCLAVE)                      \
  X(STATUS_POLICY_ENCLAVE_ATTRIBUTES)                 \
  X(STATUS_POLICY_TCB_STATUS_NOT_ACCEPTED)            \
  X(STATUS_POLICY_ADVISORY_NOT_ALLOWED)               \
  X(STATUS_NOT_RATLS_CERTIFICATE)                     \
  X(STATUS_RATLS_INVALID_EVIDENCE)                    \
  X(STATUS_RATLS_KEY_BINDING_MISMATCH)                \
  X(STATUS_RATLS_CERT_SIGNATURE_INVALID)              \
  X(STATUS_RATLS_CERT_EXPIRED)                        \
  /* The gateway's pin store, not attestation. */     \
  X(STATUS_PIN_STORE_UNUSABLE)

enum class Status {
#define RATLS_STATUS_ENUM(name) name,
  RATLS_STATUS_LIST(RATLS_STATUS_ENUM)
#undef RATLS_STATUS_ENUM
};

std::string_view status_name(Status s);

// One failed check: a QVL-style code and a one-line human message.
struct Error {
  Status status;
  std::string message;
};

// Thrown by attest/ parsers and checks; the verifier turns it into an Error entry.
class AttestError : public std::runtime_error {
 public:
  AttestError(Status status, const std::string& message)
      : std::runtime_error(message), status_(status) {}
  Status status() const { return status_; }
  Error error() const { return {status_, what()}; }

 private:
  Status status_;
};

[[noreturn]] inline void fail(Status status, const std::string& message) {
  throw AttestError(status, message);
}

}  // namespace ratls::attest
