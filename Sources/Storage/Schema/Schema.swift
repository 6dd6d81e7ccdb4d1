import Support
/// The appliance's schema history. Append new migrations; never edit an applied one.
public enum Schema {
    /// Every migration, oldest first.
    public static let migrations: [Migration] = [
        SchemaV1.migration,
        SchemaV2.migration,
        SchemaV3.migration,
        SchemaV4.migration,
        SchemaV5.migration,
        SchemaV6.migration,
        SchemaV7.migration,
        SchemaV8.migration,
        SchemaV9.migration,
        SchemaV10.migration,
    ]

    /// The newest schema version this binary writes.
    public static var latestVersion: Int { migrations.count }
}
