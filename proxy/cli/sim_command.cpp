#include "proxy/cli/sim_command.h"

#include <sodium.h>
#include <sys/stat.h>

#include <filesystem>
#include <stdexcept>

#include "attest/sim/hierarchy.h"
#include "attest/sim/pki.h"
#include "proxy/common/clock.h"
#include "proxy/common/file_io.h"

namespace ratls::proxy {

namespace {

namespace fs = std::filesystem;

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::array<std::uint8_t, 32> hex32(const std::string& flag, const std::string& hex) {
  auto v = attest::from_hex_fixed<32>(hex);
  if (!v) throw UsageError(flag + " " + hex + ": expected 64 hex digits");
  return *v;
}

void make_dir(const fs::path& dir, fs::perms perms) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw std::runtime_error("cannot create " + dir.string() + ": " + ec.message());
  fs::permissions(dir, perms, fs::perm_options::replace, ec);
  if (ec) throw std::runtime_error("cannot set the mode of " + dir.string() + ": " + ec.message());
}

}  // namespace

std::string default_sim_mrsigner_hex() {
  return attest::to_hex(attest::sha256(attest::as_bytes("ratls-gateway simulated signer")));
}

int run_sim_init(const SimInitOptions& o, std::ostream& out, std::ostream& err) {
  try {
    if (o.dir.empty()) throw UsageError("sim init: a directory is required");
    const fs::path dir(o.dir);
    std::error_code ec;
    if (fs::exists(dir / "root_ca.pem", ec) && !o.force) {
      throw UsageError(
          o.dir + " already holds a simulated hierarchy (root_ca.pem); pass --force to replace it");
    }
    attest::sim::HierarchyOptions h;
    h.now = now_utc();
    h.seed = o.seed;
    auto status = attest::parse_tcb_status(o.platform_tcb);
    if (!status) throw UsageError("--platform-tcb " + o.platform_tcb + ": not a TCB status name");
    h.platform_tcb = *status;
    h.tcb_unsupported = o.tcb_unsupported;
    if (o.qe_isv_svn < 0 || o.qe_isv_svn > 65535)
      throw UsageError("--qe-isv-svn: expected 0..65535");
    h.qe_isv_svn = static_cast<std::uint16_t>(o.qe_isv_svn);
    h.revoke_pck = o.revoke_pck;
    h.revoke_pck_ca = o.revoke_pck_ca;
    h.expired_collateral = o.expired_collateral;
    attest::sim::Hierarchy hierarchy;
    try {
      hierarchy = attest::sim::create_hierarchy(h);
    } catch (const attest::AttestError& e) {
      throw UsageError(e.what());
    }

    make_dir(dir, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                      fs::perms::others_read | fs::perms::others_exec);
    make_dir(dir / "private", fs::perms::owner_all);
    make_dir(dir / "collateral", fs::perms::owner_all | fs::perms::group_read |
                                     fs::perms::group_exec | fs::perms::others_read |
                                     fs::perms::others_exec);
    make_dir(dir / "certs", fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                fs::perms::others_read | fs::perms::others_exec);
    for (const auto& [name, content] : attest::sim::hierarchy_files(hierarchy)) {
      const bool secret = name.rfind("private/", 0) == 0;
      write_file_atomic((dir / name).string(), content, secret ? 0600 : 0644);
    }
    // The collateral expires with the windows Intel uses; say when.
    const auto parsed = attest::parse_collateral(hierarchy.collateral);
    out << "Created a SIMULATED SGX provisioning hierarchy in " << o.dir << "\n"
        << "  root certificate  " << (dir / "root_ca.pem").string() << "\n"
        << "  collateral        " << (dir / "collateral").string() << "/ (valid until "
        << attest::format_rfc3339(
               std::min(parsed.tcb_info.next_update, parsed.qe_identity.next_update))
        << ")\n"
        << "  private keys      " << (dir / "private").string() << "/ (mode 0600)\n"
        << "It proves nothing about real enclaves: trust it only with --root-ca " << o.dir << ".\n";
    return 0;
  } catch (const std::exception& e) {
    err << "ratls-gateway sim init: " << e.what() << "\n";
    return 2;
  }
}

int run_sim_issue(const SimIssueOptions& o, std::ostream& out, std::ostream& err) {
  try {
    if (o.dir.empty()) throw UsageError("sim issue: the hierarchy directory is required");
    if (o.cert_out.empty() || o.key_out.empty())
      throw UsageError("sim issue: --cert and --key are required");
    if (o.days < 1 || o.days > 3650) throw UsageError("--days: expected 1..3650");
    attest::sim::IssueOptions io;
    if (o.format == "cosmian") {
      io.format = attest::RatlsFormat::kCosmianSgx;
    } else if (o.format == "gramine") {
      io.format = attest::RatlsFormat::kGramineLegacy;
    } else if (o.format == "gramine-dice") {
      io.format = attest::RatlsFormat::kGramineDice;
    } else {
      throw UsageError("--format " + o.format + ": expected cosmian, gramine or gramine-dice");
    }
    io.enclave.mrenclave = hex32("--mrenclave", o.mrenclave);
    io.enclave.mrsigner =
        hex32("--mrsigner", o.mrsigner.empty() ? default_sim_mrsigner_hex() : o.mrsigner);
    if (o.isv_prod_id < 0 || o.isv_prod_id > 65535)
      throw UsageError("--isv-prod-id: expected 0..65535");
    if (o.isv_svn < 0 || o.isv_svn > 65535) throw UsageError("--isv-svn: expected 0..65535");
    io.enclave.isv_prod_id = static_cast<std::uint16_t>(o.isv_prod_id);
    io.enclave.isv_svn = static_cast<std::uint16_t>(o.isv_svn);
    io.enclave.debug = o.debug;
    if (!o.x25519.empty() && !o.x25519_key_out.empty())
      throw UsageError("pass --x25519 HEX or --x25519-key FILE, not both");
    if (!o.x25519.empty()) {
      if (io.format != attest::RatlsFormat::kCosmianSgx)
        throw UsageError("--x25519 is for the cosmian format");
      io.x25519 = hex32("--x25519", o.x25519);
    }
    // The simulated enclave's sealing key pair; its private half lets tests open what seal sealed.
    std::array<std::uint8_t, crypto_box_SECRETKEYBYTES> x25519_secret{};
    if (!o.x25519_key_out.empty()) {
      if (io.format != attest::RatlsFormat::kCosmianSgx)
        throw UsageError("--x25519-key is for the cosmian format");
      if (sodium_init() < 0) throw std::runtime_error("libsodium could not be initialised");
      std::array<std::uint8_t, crypto_box_PUBLICKEYBYTES> x25519_public{};
      crypto_box_keypair(x25519_public.data(), x25519_secret.data());
      io.x25519 = x25519_public;
    }
    io.bind_other_key = o.bind_other_key;
    if (!o.binding.empty()) {
      if (o.binding == "cosmian") {
        io.binding = attest::RatlsFormat::kCosmianSgx;
      } else if (o.binding == "gramine") {
        io.binding = attest::RatlsFormat::kGramineLegacy;
      } else {
        throw UsageError("--binding " + o.binding + ": expected cosmian or gramine");
      }
      if (io.format == attest::RatlsFormat::kGramineDice)
        throw UsageError("--binding is for the cosmian and gramine formats");
    }
    if (!o.san.empty()) {
      io.certificate.subject_alt_names = o.san;
      io.certificate.common_name = o.san.front();
    }
    const attest::UnixTime now = now_utc();
    io.certificate.not_before = now - 60;  // tolerate small clock differences
    io.certificate.not_after = now + static_cast<attest::UnixTime>(o.days) * 86400;
    if (o.expired) {
      // Valid for --days, ending an hour ago: well past any clock tolerance.
      io.certificate.not_after = now - 3600;
      io.certificate.not_before =
          io.certificate.not_after - static_cast<attest::UnixTime>(o.days) * 86400;
    }

    std::error_code ec;
    if (!fs::is_directory(o.dir, ec)) {
      throw UsageError(
          o.dir + " is not a directory; create a hierarchy with: ratls-gateway sim init " + o.dir);
    }
    std::map<std::string, std::string> files;
    try {
      files = read_tree(o.dir);
    } catch (const std::exception& e) {
      throw UsageError("cannot read the hierarchy in " + o.dir + ": " + e.what());
    }
    attest::sim::Hierarchy h;
    try {
      h = attest::sim::load_hierarchy(files);
    } catch (const attest::AttestError& e) {
      throw UsageError(o.dir + ": " + e.what() + " (create it with: ratls-gateway sim init " +
                       o.dir + ")");
    }
    const auto issued = attest::sim::issue_ratls_certificate(h, io);
    write_file_atomic(o.key_out, attest::private_key_pem(issued.key.get()), 0600);
    if (!o.x25519_key_out.empty()) {
      write_file_atomic(o.x25519_key_out,
                        std::string_view(reinterpret_cast<const char*>(x25519_secret.data()),
                                         x25519_secret.size()),
                        0600);
      sodium_memzero(x25519_secret.data(), x25519_secret.size());
    }
    write_file_atomic(o.cert_out, attest::certificate_pem(issued.cert.get()), 0644);
    out << "Issued a SIMULATED " << attest::ratls_format_name(io.format) << " RA-TLS certificate\n"
        << "  certificate  " << o.cert_out << " (SHA-256 "
        << attest::to_hex(attest::sha256(attest::cert_der(issued.cert.get()))) << ")\n"
        << "  key          " << o.key_out << " (mode 0600)\n"
        << "  MRENCLAVE    " << attest::to_hex(io.enclave.mrenclave) << "\n"
        << "  MRSIGNER     " << attest::to_hex(io.enclave.mrsigner) << "\n";
    if (io.x25519) {
      out << "  X25519       " << attest::to_hex(*io.x25519) << " (REPORTDATA[32:64]"
          << (o.x25519_key_out.empty() ? "" : "; private key " + o.x25519_key_out + ", mode 0600")
          << ")\n";
    }
    out << (o.debug ? "  DEBUG enclave (rejected unless --allow-debug)\n" : "")
        << (o.bind_other_key ? "  the quote binds ANOTHER key (negative test case)\n" : "")
        << (io.binding ? "  REPORTDATA by the " + o.binding +
                             " rule, whatever the format (negative test case)\n"
                       : std::string())
        << (o.expired ? "  EXPIRED an hour ago (negative test case)\n" : "");
    return 0;
  } catch (const std::exception& e) {
    err << "ratls-gateway sim issue: " << e.what() << "\n";
    return 2;
  }
}

}  // namespace ratls::proxy
