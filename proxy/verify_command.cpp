#include "proxy/verify_command.h"

namespace ratls::proxy {

int run_verify(const VerifyOptions&, std::ostream&, std::ostream& err) {
  err << "ratls-gateway verify: not implemented yet\n";
  return 2;
}

}  // namespace ratls::proxy
