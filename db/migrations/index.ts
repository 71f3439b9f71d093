import * as m001 from './001_audit_events';
import * as m002 from './002_staff_and_sessions';
import * as m003 from './003_organizations';
import * as m004 from './004_setup_links';
import * as m005 from './005_setup_link_email';
import * as m006 from './006_setup_progress';
import * as m007 from './007_settings';
import * as m008 from './008_setup_link_lifecycle';
import * as m009 from './009_sign_in_hardening';
import * as m010 from './010_byok_progress';
import * as m011 from './011_domain_event_times';
import * as m012 from './012_staff_time_zone';
import * as m013 from './013_list_and_attention_indexes';
import * as m014 from './014_audit_event_lookups';
import * as m015 from './015_shared_state';
import * as m016 from './016_invitations_reminders_extensions';

/** Every migration, in order. A test checks that each file in this folder is listed here. */
export const migrations = [
  { name: '001_audit_events', ...m001 },
  { name: '002_staff_and_sessions', ...m002 },
  { name: '003_organizations', ...m003 },
  { name: '004_setup_links', ...m004 },
  { name: '005_setup_link_email', ...m005 },
  { name: '006_setup_progress', ...m006 },
  { name: '007_settings', ...m007 },
  { name: '008_setup_link_lifecycle', ...m008 },
  { name: '009_sign_in_hardening', ...m009 },
  { name: '010_byok_progress', ...m010 },
  { name: '011_domain_event_times', ...m011 },
  { name: '012_staff_time_zone', ...m012 },
  { name: '013_list_and_attention_indexes', ...m013 },
  { name: '014_audit_event_lookups', ...m014 },
  { name: '015_shared_state', ...m015 },
  { name: '016_invitations_reminders_extensions', ...m016 },
];
