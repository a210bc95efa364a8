/**
 * Meter-category families for `split: { proportional: [...], basis: compute | storage | network }`.
 *
 * Azure Cost Management's allocation rules offer "proportional to compute / storage / network cost" without
 * publishing the list of meter categories behind each; the Azure retail price list groups meter categories into
 * service families (Compute, Storage, Networking). These lists follow those families, written as data so that
 * users can read them (docs/rules-language.md repeats them) and we can extend them without touching the engine.
 * Matching is on the whole MeterCategory (FOCUS: ServiceName), case-insensitive; anything else is family `other`.
 */

import { detach } from './strings';

export type MeterFamily = 'compute' | 'storage' | 'network' | 'other';

export const METER_FAMILIES: Readonly<Record<Exclude<MeterFamily, 'other'>, readonly string[]>> = {
  compute: [
    'Virtual Machines',
    'Virtual Machines Licenses',
    'Virtual Machine Licenses',
    'Dedicated Host',
    'Azure Dedicated Host',
    'Azure App Service',
    'App Service',
    'Functions',
    'Azure Functions',
    'Container Instances',
    'Azure Container Instances',
    'Azure Container Apps',
    'Azure Kubernetes Service',
    'Azure Red Hat OpenShift',
    'Cloud Services',
    'Batch',
    'Azure Batch',
    'Azure Spring Apps',
    'Azure VMware Solution',
    'Service Fabric',
    'Virtual Machine Scale Sets',
  ],
  storage: [
    'Storage',
    'Backup',
    'Azure NetApp Files',
    'Azure Data Lake Storage',
    'Data Lake Store',
    'Azure Managed Lustre',
    'Azure Elastic SAN',
    'Elastic SAN',
    'StorSimple',
    'Azure Container Storage',
  ],
  network: [
    'Bandwidth',
    'Virtual Network',
    'Virtual WAN',
    'Load Balancer',
    'VPN Gateway',
    'Virtual Network Gateway',
    'ExpressRoute',
    'Application Gateway',
    'Azure Firewall',
    'Azure DNS',
    'DNS',
    'Network Watcher',
    'Azure Front Door Service',
    'Azure Front Door',
    'Content Delivery Network',
    'Traffic Manager',
    'Azure Bastion',
    'NAT Gateway',
    'IP Addresses',
    'Azure DDOS Protection',
    'Azure Route Server',
    'Networking',
  ],
};

const FAMILY_BY_CATEGORY = new Map<string, MeterFamily>();
for (const [family, categories] of Object.entries(METER_FAMILIES) as [MeterFamily, readonly string[]][]) {
  for (const c of categories) FAMILY_BY_CATEGORY.set(c.toLowerCase(), family);
}

/** Answers already given, by the category as written (a few hundred distinct values at most in real data). */
const SEEN = new Map<string, MeterFamily>();

/** The family of a meter category (case-insensitive, surrounding spaces ignored). */
export function meterFamilyOf(meterCategory: string): MeterFamily {
  const seen = SEEN.get(meterCategory);
  if (seen !== undefined) return seen;
  const family = FAMILY_BY_CATEGORY.get(meterCategory.trim().toLowerCase()) ?? 'other';
  if (SEEN.size < 10_000) SEEN.set(detach(meterCategory), family);
  return family;
}
