#include "attest/pck_extension.h"

#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "attest/der.h"

namespace ratls::attest {

namespace {

// DER content of 1.2.840.113741.1.13.1; members append one arc, TCB members two.
constexpr std::uint8_t kSgxExtensionOid[] = {0x2A, 0x86, 0x48, 0x86, 0xF8, 0x4D, 0x01, 0x0D, 0x01};
constexpr std::size_t kBaseLen = sizeof kSgxExtensionOid;

[[noreturn]] void bad(const std::string& why) {
  fail(Status::STATUS_SGX_PCK_INVALID_EXTENSIONS, "PCK certificate SGX extension: " + why);
}

// The arcs after the SGX extension base, or empty when `oid` is not under it. Only single-byte
// arcs occur (all < 128).
std::vector<std::uint8_t> arcs_under_base(ByteView oid) {
  if (oid.size() <= kBaseLen ||
      !std::equal(kSgxExtensionOid, kSgxExtensionOid + kBaseLen, oid.begin())) {
    return {};
  }
  std::vector<std::uint8_t> arcs;
  for (std::size_t i = kBaseLen; i < oid.size(); ++i) {
    if (oid[i] & 0x80) return {};
    arcs.push_back(oid[i]);
  }
  return arcs;
}

struct Member {
  std::vector<std::uint8_t> arcs;
  DerElement value;
};

// SEQUENCE OF SEQUENCE { OID, value } -> members, each exactly two elements.
std::vector<Member> read_members(ByteView seq_content, const char* what) {
  std::vector<Member> out;
  DerReader r(seq_content);
  while (!r.empty()) {
    auto item = r.next();
    if (!item || item->tag != der_tag::kSequence)
      bad(std::string(what) + " holds a non-SEQUENCE member");
    DerReader inner(item->content);
    auto oid = inner.next();
    auto value = inner.next();
    if (!oid || oid->tag != der_tag::kOid || !value || !inner.empty()) {
      bad(std::string(what) + " member is not { OID, value }");
    }
    out.push_back({arcs_under_base(oid->content), *value});
  }
  return out;
}

template <std::size_t N>
void octets(const DerElement& e, std::array<std::uint8_t, N>& out, const char* what) {
  if (e.tag != der_tag::kOctetString || e.content.size() != N) {
    bad(std::string(what) + " is not an OCTET STRING of " + std::to_string(N) + " bytes");
  }
  std::copy(e.content.begin(), e.content.end(), out.begin());
}

std::uint64_t integer(const DerElement& e, std::uint8_t tag, std::uint64_t max, const char* what) {
  auto v = e.tag == tag ? der_unsigned(e.content) : std::nullopt;
  if (!v || *v > max) bad(std::string(what) + " is not an integer in 0.." + std::to_string(max));
  return *v;
}

bool boolean(const DerElement& e, const char* what) {
  if (e.tag != der_tag::kBoolean || e.content.size() != 1)
    bad(std::string(what) + " is not a BOOLEAN");
  return e.content[0] != 0;
}

void parse_tcb(ByteView content, PckExtension& ext) {
  std::array<bool, 18> seen{};
  for (const Member& m : read_members(content, "TCB")) {
    if (m.arcs.size() != 2 || m.arcs[0] != 2 || m.arcs[1] < 1 || m.arcs[1] > 18) continue;
    const std::size_t idx = m.arcs[1] - 1u;
    if (seen[idx]) bad("TCB member ." + std::to_string(m.arcs[1]) + " appears twice");
    seen[idx] = true;
    if (idx < 16) {
      ext.tcb_components[idx] =
          static_cast<std::uint8_t>(integer(m.value, der_tag::kInteger, 255, "TCB component"));
    } else if (idx == 16) {
      ext.pcesvn = static_cast<std::uint16_t>(integer(m.value, der_tag::kInteger, 65535, "PCESVN"));
    } else {
      octets(m.value, ext.cpusvn, "CPUSVN");
    }
  }
  for (std::size_t i = 0; i < seen.size(); ++i) {
    if (!seen[i]) bad("TCB member ." + std::to_string(i + 1) + " is missing");
  }
}

PckConfiguration parse_configuration(ByteView content) {
  PckConfiguration c;
  for (const Member& m : read_members(content, "Configuration")) {
    if (m.arcs.size() != 2 || m.arcs[0] != 7) continue;
    std::optional<bool>* slot = m.arcs[1] == 1   ? &c.dynamic_platform
                                : m.arcs[1] == 2 ? &c.cached_keys
                                : m.arcs[1] == 3 ? &c.smt_enabled
                                                 : nullptr;
    if (slot == nullptr) continue;
    if (slot->has_value()) bad("Configuration member appears twice");
    *slot = boolean(m.value, "Configuration flag");
  }
  return c;
}

}  // namespace

PckExtension parse_pck_extension_value(ByteView der) {
  DerReader top(der);
  auto seq = top.next();
  if (!seq || seq->tag != der_tag::kSequence || !top.empty()) bad("value is not one SEQUENCE");
  PckExtension ext;
  std::array<bool, 8> seen{};
  for (const Member& m : read_members(seq->content, "extension")) {
    if (m.arcs.size() != 1 || m.arcs[0] < 1 || m.arcs[0] > 7) continue;  // unknown: ignored
    const std::uint8_t arc = m.arcs[0];
    if (seen[arc]) bad("member ." + std::to_string(arc) + " appears twice");
    seen[arc] = true;
    switch (arc) {
      case 1:
        octets(m.value, ext.ppid, "PPID");
        break;
      case 2:
        if (m.value.tag != der_tag::kSequence) bad("TCB is not a SEQUENCE");
        parse_tcb(m.value.content, ext);
        break;
      case 3:
        octets(m.value, ext.pce_id, "PCE-ID");
        break;
      case 4:
        octets(m.value, ext.fmspc, "FMSPC");
        break;
      case 5:
        ext.sgx_type = static_cast<int>(integer(m.value, der_tag::kEnumerated, 2, "SGX Type"));
        break;
      case 6: {
        std::array<std::uint8_t, 16> id{};
        octets(m.value, id, "Platform Instance ID");
        ext.platform_instance_id = id;
        break;
      }
      case 7:
        if (m.value.tag != der_tag::kSequence) bad("Configuration is not a SEQUENCE");
        ext.configuration = parse_configuration(m.value.content);
        break;
    }
  }
  static constexpr const char* kRequired[] = {nullptr,  "PPID",  "TCB",
                                              "PCE-ID", "FMSPC", "SGX Type"};
  for (int arc = 1; arc <= 5; ++arc) {
    if (!seen[static_cast<std::size_t>(arc)]) bad(std::string(kRequired[arc]) + " is missing");
  }
  return ext;
}

PckExtension parse_pck_extension(const X509* cert) {
  std::unique_ptr<ASN1_OBJECT, decltype(&ASN1_OBJECT_free)> oid(
      OBJ_txt2obj("1.2.840.113741.1.13.1", 1), &ASN1_OBJECT_free);
  if (!oid) bad("cannot build the extension OID");
  const int idx = X509_get_ext_by_OBJ(cert, oid.get(), -1);
  if (idx < 0) bad("absent (not a PCK certificate)");
  if (X509_get_ext_by_OBJ(cert, oid.get(), idx) >= 0) bad("present twice");
  X509_EXTENSION* ext = X509_get_ext(cert, idx);
  const ASN1_OCTET_STRING* data = X509_EXTENSION_get_data(ext);
  if (data == nullptr) bad("has no value");
  return parse_pck_extension_value(
      ByteView(ASN1_STRING_get0_data(data), static_cast<std::size_t>(ASN1_STRING_length(data))));
}

}  // namespace ratls::attest
