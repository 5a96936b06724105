/* Forced into every generated C file of the codec (CMakeLists.txt). asn1c 0.9.28, with its debug output off,
 * declares ASN_DEBUG as a static function taking the message's arguments, so they are still computed: each tag
 * decoded formatted by ber_tlv_tag_string (snprintf), about a fifth of a package's decoding time. As a macro
 * they are not (asn_internal.h keeps a definition made before it). */
#ifndef SIM_ESIM_ASN_DEBUG_OFF_H
#define SIM_ESIM_ASN_DEBUG_OFF_H
#define ASN_DEBUG(...) ((void)0)
#endif
