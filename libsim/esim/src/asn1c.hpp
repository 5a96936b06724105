// asn1c's generated headers, made includable from C++. asn1c 0.9.28 declares a SEQUENCE OF an inline struct
// as A_SEQUENCE_OF(struct X { ... }), and its A_SET_OF macro names the element type twice (the array and the
// `free` callback's parameter): valid C, a redefinition of X in C++. The macro is redefined here with the
// same layout (a function pointer is a function pointer) naming the type once; C++ never calls `free`, the
// generated C frees with its own declaration.
#pragma once

#include "asn_SEQUENCE_OF.h"

#undef A_SET_OF
#define A_SET_OF(type)       \
    struct {                 \
        type** array;        \
        int count;           \
        int size;            \
        void (*free)(void*); \
    }

#include "ApplicationIdentifier.h"
#include "PINKeyReferenceValue.h"
#include "PUKKeyReferenceValue.h"
#include "ProfileElement.h"
#include "UICCCapability.h"
#include "UInt15.h"
#include "UInt16.h"
#include "UInt31.h"
#include "UInt8.h"
#include "ber_tlv_length.h"
#include "ber_tlv_tag.h"

namespace sim::esim::detail {

// asn1c 0.9.28 defect: a constrained type defined on a built-in one (UInt8 ::= INTEGER (0..255),
// ApplicationIdentifier ::= OCTET STRING (SIZE(5..16)), ...) copies the built-in's functions into its own
// descriptor the first time it decodes, encodes or frees a value ("inherit_TYPE_descriptor"), and that copy
// overwrites its check_constraints with the built-in's, which checks nothing. From then on a UInt15 of -32768
// passes asn_check_constraints. Putting the generated constraint functions back before every check keeps the
// module's constraints checked; the values written are the same every time.
inline void restore_typedef_constraints() {
    asn_DEF_ApplicationIdentifier.check_constraints = ApplicationIdentifier_constraint;
    asn_DEF_PINKeyReferenceValue.check_constraints = PINKeyReferenceValue_constraint;
    asn_DEF_PUKKeyReferenceValue.check_constraints = PUKKeyReferenceValue_constraint;
    asn_DEF_UICCCapability.check_constraints = UICCCapability_constraint;
    asn_DEF_UInt15.check_constraints = UInt15_constraint;
    asn_DEF_UInt16.check_constraints = UInt16_constraint;
    asn_DEF_UInt31.check_constraints = UInt31_constraint;
    asn_DEF_UInt8.check_constraints = UInt8_constraint;
}

}  // namespace sim::esim::detail
