import { z } from 'zod';

/** A positive whole-number id, as route parameters and hidden form fields carry them. */
export const idSchema = z.coerce.number().int().positive();
