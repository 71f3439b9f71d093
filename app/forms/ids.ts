import { z } from 'zod';

/** The largest id either database holds (PostgreSQL's integer): a larger one names nothing, and is refused before a query. */
export const MAX_ID = 2_147_483_647;

/** A positive whole-number id, as route parameters and hidden form fields carry them. */
export const idSchema = z.coerce.number().int().positive().max(MAX_ID);
