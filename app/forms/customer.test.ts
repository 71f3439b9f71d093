import { describe, expect, it } from 'vitest';
import { readNewCustomerForm } from './customer';

describe('the New customer form', () => {
  it('reads a "create anyway" sent as a file part (a crafted multipart post) as no choice, never a crash', () => {
    const formData = new FormData();
    formData.set('submissionId', crypto.randomUUID());
    formData.set('name', 'Initech');
    formData.set('domains', 'initech.example');
    formData.set('csOwnerId', '1');
    formData.set('delivery', 'copy');
    formData.append('features', 'sso');
    formData.set('lifetimeDays', '7');
    formData.set('createAnyway', new File(['1,2'], 'anyway.txt'));
    const read = readNewCustomerForm(formData);
    if (!read.success) throw new Error(`expected the form to read, got ${JSON.stringify(read.errors)}`);
    expect(read.data.createAnyway).toEqual([]);
  });
});
