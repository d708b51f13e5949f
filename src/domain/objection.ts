// The objection and receipt notes are the format's, owned by the client package (docs/objections.md).
export * from '../../client/src/objections/protocol'
