#include "internal.h"
#include "dcmtk/dcmdata/dcrledrg.h"
#include "dcmtk/dcmjpeg/djdecode.h"
#include "dcmtk/dcmjpls/djdecode.h"
#include "dcmtk/oflog/oflog.h"
#include <mutex>

void cdcmtk_register_codecs(void) {
    cdcmtk_load_dictionary();  // before any parse: a parse must never see the dictionary half loaded
    static std::once_flag once;
    std::call_once(once, [] {
        try {
            OFLog::configure(OFLogger::OFF_LOG_LEVEL);
            // Keep values as stored (no blank stripping, no removal of spaces inside UIDs): callers trim
            // padding themselves, and de-identification must see what the file holds.
            dcmEnableAutomaticInputDataCorrection.set(OFFalse);
            // A dataset declared explicit VR but written implicit (as some writers did): an element whose VR
            // bytes are not a VR is read as implicit VR little endian, as pydicom falls back to implicit VR.
            dcmAcceptUnexpectedImplicitEncoding.set(OFTrue);
            // Keep the codestream's colour space: YBR → RGB is done by the caller exactly as pydicom does.
            DJDecoderRegistration::registerCodecs(EDC_never, EUC_never);
            DJLSDecoderRegistration::registerCodecs();
            DcmRLEDecoderRegistration::registerCodecs();
        } catch (...) {
            // Registration failures surface later as "cannot decode" errors naming the file.
        }
    });
}

void cdcmtk_free(void *pointer) { free(pointer); }

namespace cdcmtk {
void setError(char *err, size_t errlen, const std::string &message) {
    if (err == nullptr || errlen == 0) return;
    size_t n = message.size() < errlen - 1 ? message.size() : errlen - 1;
    memcpy(err, message.data(), n);
    err[n] = 0;
}
}
