/**
 * FOCUS ServiceCategory of a Partner Center line: the spec (1.2) allows only its fixed list of values, and every
 * ServiceName must have exactly one of them. Partner Center files name the service by MeterCategory (daily usage)
 * or by ProductName (reconciliation: seats, reservations, marketplace), so the mapping goes by those names: exact
 * MeterCategory names first, then words in the name, then "Other" (the value the spec prescribes when nothing
 * fits). The assignments follow where Azure itself files its services (compute, storage, databases, ...); the table
 * is in docs/focus-export.md.
 */

export const FOCUS_SERVICE_CATEGORIES = [
  'AI and Machine Learning',
  'Analytics',
  'Business Applications',
  'Compute',
  'Databases',
  'Developer Tools',
  'Multicloud',
  'Identity',
  'Integration',
  'Internet of Things',
  'Management and Governance',
  'Media',
  'Migration',
  'Mobile',
  'Networking',
  'Security',
  'Storage',
  'Web',
  'Other',
] as const;

export type FocusServiceCategory = (typeof FOCUS_SERVICE_CATEGORIES)[number];

/** Azure MeterCategory names (as Partner Center writes them), lower case. */
const BY_METER_CATEGORY: Record<string, FocusServiceCategory> = {
  'virtual machines': 'Compute',
  'virtual machine licenses': 'Compute',
  'virtual machines licenses': 'Compute',
  'cloud services': 'Compute',
  'azure app service': 'Web',
  functions: 'Compute',
  batch: 'Compute',
  'container instances': 'Compute',
  'container registry': 'Compute',
  'azure container apps': 'Compute',
  'azure kubernetes service': 'Compute',
  'azure spring apps': 'Compute',
  'azure vmware solution': 'Compute',
  'azure savings plan for compute': 'Compute',
  storage: 'Storage',
  backup: 'Storage',
  'azure netapp files': 'Storage',
  'azure site recovery': 'Storage',
  'site recovery': 'Storage',
  'data box': 'Storage',
  'sql database': 'Databases',
  'sql managed instance': 'Databases',
  'azure cosmos db': 'Databases',
  'azure database for mysql': 'Databases',
  'azure database for postgresql': 'Databases',
  'azure database for mariadb': 'Databases',
  'redis cache': 'Databases',
  'azure cache for redis': 'Databases',
  bandwidth: 'Networking',
  'virtual network': 'Networking',
  'vpn gateway': 'Networking',
  expressroute: 'Networking',
  'load balancer': 'Networking',
  'application gateway': 'Networking',
  'azure front door service': 'Networking',
  'content delivery network': 'Networking',
  'azure dns': 'Networking',
  'network watcher': 'Networking',
  'azure firewall': 'Networking',
  'azure bastion': 'Networking',
  'nat gateway': 'Networking',
  'traffic manager': 'Networking',
  'azure private link': 'Networking',
  'ip addresses': 'Networking',
  'key vault': 'Security',
  'azure ddos protection': 'Security',
  'microsoft defender for cloud': 'Security',
  'azure defender': 'Security',
  'security center': 'Security',
  sentinel: 'Security',
  'log analytics': 'Management and Governance',
  'azure monitor': 'Management and Governance',
  'insight and analytics': 'Management and Governance',
  'application insights': 'Management and Governance',
  advisor: 'Management and Governance',
  automation: 'Integration',
  'logic apps': 'Integration',
  'service bus': 'Integration',
  'event grid': 'Integration',
  'event hubs': 'Integration',
  'api management': 'Integration',
  'azure data factory v2': 'Integration',
  'azure communication services': 'Integration',
  'azure synapse analytics': 'Analytics',
  hdinsight: 'Analytics',
  'azure databricks': 'Analytics',
  'azure data explorer': 'Analytics',
  'stream analytics': 'Analytics',
  'power bi embedded': 'Analytics',
  'microsoft fabric': 'Analytics',
  'cognitive services': 'AI and Machine Learning',
  'azure openai': 'AI and Machine Learning',
  'machine learning': 'AI and Machine Learning',
  'azure machine learning': 'AI and Machine Learning',
  'azure cognitive search': 'AI and Machine Learning',
  'azure active directory': 'Identity',
  'microsoft entra id': 'Identity',
  'azure active directory b2c': 'Identity',
  'azure active directory domain services': 'Identity',
  'iot hub': 'Internet of Things',
  'iot central': 'Internet of Things',
  'azure digital twins': 'Internet of Things',
  'azure devops': 'Developer Tools',
  'visual studio': 'Developer Tools',
  'azure devtest labs': 'Developer Tools',
  'azure load testing': 'Developer Tools',
  'app configuration': 'Developer Tools',
  'media services': 'Media',
  'azure migrate': 'Migration',
  'azure database migration service': 'Migration',
};

/** Words in a product or service name, tried in this order when no exact name matched. */
const BY_WORD: [RegExp, FocusServiceCategory][] = [
  [
    /\b(microsoft 365|office 365|dynamics 365|power bi|exchange online|teams|sharepoint|project|visio)\b/i,
    'Business Applications',
  ],
  [/\b(entra|active directory)\b/i, 'Identity'],
  [/\b(defender|sentinel|security)\b/i, 'Security'],
  [/\b(openai|cognitive|machine learning|ai services?)\b/i, 'AI and Machine Learning'],
  [/\b(sql|cosmos|mysql|postgres(ql)?|mariadb|redis|database)\b/i, 'Databases'],
  [/\b(virtual machines?|reserved vm|vm instance|compute|kubernetes|container|functions?|batch)\b/i, 'Compute'],
  [/\b(storage|disks?|blob|files|backup|archive)\b/i, 'Storage'],
  [/\b(bandwidth|network|gateway|load balancer|dns|firewall|expressroute|front door|cdn|ip address)\b/i, 'Networking'],
  [/\b(monitor|log analytics|insights)\b/i, 'Management and Governance'],
  [/\b(app service|web apps?)\b/i, 'Web'],
  [/\b(iot)\b/i, 'Internet of Things'],
];

/** The FOCUS ServiceCategory for a service name (MeterCategory, else product name): never empty. */
export function focusServiceCategory(...names: (string | undefined)[]): FocusServiceCategory {
  for (const name of names) {
    const exact = BY_METER_CATEGORY[(name ?? '').trim().toLowerCase()];
    if (exact) return exact;
  }
  for (const name of names) {
    if (!name) continue;
    for (const [re, category] of BY_WORD) if (re.test(name)) return category;
  }
  return 'Other';
}

/** A ServiceCategory already in a FOCUS source file, when it is one of the allowed values (any case). */
export function allowedServiceCategory(value: string | undefined): FocusServiceCategory | undefined {
  const v = (value ?? '').trim().toLowerCase();
  return FOCUS_SERVICE_CATEGORIES.find((c) => c.toLowerCase() === v);
}
