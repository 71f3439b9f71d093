import * as m001 from './001_audit_events';

/** Every migration, in order. A test checks that each file in this folder is listed here. */
export const migrations = [{ name: '001_audit_events', ...m001 }];
