#include "attest/x509.h"

namespace ratls::attest {}  // namespace ratls::attest
