#include "attest/qe_identity.h"

namespace ratls::attest {}  // namespace ratls::attest
