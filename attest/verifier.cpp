#include "attest/verifier.h"

namespace ratls::attest {}  // namespace ratls::attest
