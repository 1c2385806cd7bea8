#ifndef CDCMTK_H
#define CDCMTK_H
/* A C API over DCMTK (C++) for Swift. Every function catches C++ exceptions. */
#ifdef __cplusplus
extern "C" {
#endif

/* Registers DCMTK's JPEG, JPEG-LS and RLE decoders once per process (thread-safe). */
void cdcmtk_register_codecs(void);

#ifdef __cplusplus
}
#endif
#endif
