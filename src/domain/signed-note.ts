// The format's signed notes live with its client, which witnesses them: one implementation for both.
export * from '../../client/src/log/signed-note'
