// The format's Merkle log lives with its client, which checks it: one implementation for both.
export * from '../../client/src/log/merkle'
export * from '../../client/src/log/proof'
export * from '../../client/src/log/tiles'
