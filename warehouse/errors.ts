import { GamelakeError } from '../transforms/errors.ts';

/** A model's checks failed; the previous warehouse is kept. */
export class ModelCheckError extends GamelakeError {}
