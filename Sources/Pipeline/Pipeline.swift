import Storage

/// The thinking floor: graph engine, market data, agents, signals and scoring. Filled in by the
/// pipeline issues; it depends on Storage and never on Appliance.
public enum Pipeline {
    /// The schema version this build of the pipeline expects from Storage.
    public static var schemaVersion: Int { Schema.latestVersion }
}
