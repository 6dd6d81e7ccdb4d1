import CCurl
import Support

/// The libcurl the binary loads on first use. The network client (market data, LLM providers)
/// builds on it; this reports what it can do so start-up and tests can check it.
public enum CurlRuntime {
    /// libcurl's version, e.g. `7.88.1`.
    public static var version: String {
        guard let info = tradewizard_curl_version_info() else { return "unknown" }
        return String(cString: info.pointee.version)
    }

    /// True when libcurl was built with TLS (needed for https:// APIs).
    public static var supportsTLS: Bool {
        guard let info = tradewizard_curl_version_info() else { return false }
        return info.pointee.features & Int32(CURL_VERSION_SSL) != 0
    }

    /// True when libcurl can decode gzip responses.
    public static var supportsGzip: Bool {
        guard let info = tradewizard_curl_version_info() else { return false }
        return info.pointee.features & Int32(CURL_VERSION_LIBZ) != 0
    }
}
