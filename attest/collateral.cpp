#include "attest/collateral.h"

namespace ratls::attest {}  // namespace ratls::attest
