/** A 32×32 ember for the tray, inline so it works from inside app.asar without a resources file. */
export const TRAY_ICON_DATA_URL =
  'data:image/png;base64,' +
  'iVBORw0KGgoAAAANSUhEUgAAACAAAAAgCAYAAABzenr0AAABDklEQVR42mN4Ua7HMJCYYdQBow4YdcCoA0YdQKIGFiDuAuKvQPwf' +
  'DX+FyrHQygEbsViKC2+kpgPcSbAYHbtT6oBECiyH4URyHeCDy9APU23//9zh///fqQgwBrFBYngc4UOqAwRxGfZlmdv//2ejsGKQ' +
  'HB5HCJLigK24fI7LchjGExJbSXHAb2yGgIKakANAanA44DcpDniMzRBQfBNyAEgNDgc8JsUBW2jggC2kOCCPBlGQR4oDhLGlAwoS' +
  '4W+omSSVA61UzIat5JaEp6lQEJ2mpCjWxJUjiMSPoWZQVBlp4goJAvg0IctJrY5bcRVQWBJcK60aJMLQ7LQFGry/ofgxVCwPV2of' +
  'bRMOWgcAAC9JjhxlSfyRAAAAAElFTkSuQmCC';
