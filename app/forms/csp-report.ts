import { z } from 'zod';

// The legacy `report-uri` format browsers send as application/csp-report.
export const cspReportSchema = z.object({
  'csp-report': z.looseObject({
    'document-uri': z.string().optional(),
    'effective-directive': z.string().optional(),
    'violated-directive': z.string().optional(),
    'blocked-uri': z.string().optional(),
  }),
});
