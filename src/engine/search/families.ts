/**
 * Everyday words → groups of Places365 labels. A person searches "water" or
 * "food", not "watering_hole" or "delicatessen". Each family lists the
 * labels it stands for; a label may be in several families. The sidebar
 * groups scenes by the first family that claims them (FAMILY_ORDER).
 *
 * Guidelines used: a label belongs to a family when a person looking for
 * that word would be glad to see such a photo; no family is a dumping
 * ground; `indoor`/`outdoor` come from CSAIL's IO_places365.txt, not from here.
 */
export const FAMILIES: Record<string, readonly string[]> = {
  water: [
    'beach', 'beach_house', 'boathouse', 'boardwalk', 'boat_deck', 'canal/natural', 'canal/urban', 'coast', 'creek', 'dam', 'fishpond',
    'fountain', 'harbor', 'hot_spring', 'iceberg', 'ice_floe', 'islet', 'jacuzzi/indoor', 'lagoon', 'lake/natural', 'lighthouse', 'lock_chamber',
    'marsh', 'moat/water', 'ocean', 'oilrig', 'pier', 'pond', 'raft', 'river', 'swamp', 'swimming_hole', 'swimming_pool/indoor',
    'swimming_pool/outdoor', 'underwater/ocean_deep', 'water_park', 'waterfall', 'watering_hole', 'wave',
  ],
  beach: ['beach', 'beach_house', 'coast', 'lagoon', 'islet', 'ocean', 'wave', 'boardwalk', 'pier'],
  snow: ['glacier', 'iceberg', 'ice_floe', 'ice_shelf', 'ice_skating_rink/outdoor', 'igloo', 'mountain_snowy', 'ski_resort', 'ski_slope', 'snowfield', 'crevasse', 'tundra'],
  mountain: ['mountain', 'mountain_path', 'mountain_snowy', 'valley', 'cliff', 'canyon', 'butte', 'volcano', 'glacier', 'crevasse', 'rock_arch', 'badlands', 'ski_slope'],
  forest: ['forest/broadleaf', 'forest_path', 'forest_road', 'bamboo_forest', 'rainforest', 'tree_farm', 'tree_house', 'swamp'],
  nature: [
    'badlands', 'bamboo_forest', 'butte', 'canyon', 'cliff', 'coast', 'creek', 'crevasse', 'desert/sand', 'desert/vegetation', 'field/wild',
    'forest/broadleaf', 'forest_path', 'glacier', 'grotto', 'hot_spring', 'iceberg', 'ice_floe', 'ice_shelf', 'islet', 'lagoon', 'lake/natural',
    'marsh', 'mountain', 'mountain_path', 'mountain_snowy', 'ocean', 'pond', 'rainforest', 'river', 'rock_arch', 'sky', 'snowfield', 'swamp',
    'tundra', 'underwater/ocean_deep', 'valley', 'volcano', 'waterfall', 'watering_hole', 'wave',
  ],
  desert: ['desert/sand', 'desert/vegetation', 'desert_road', 'badlands', 'butte', 'kasbah', 'medina'],
  countryside: [
    'barn', 'barndoor', 'corn_field', 'corral', 'cottage', 'farm', 'field/cultivated', 'field/wild', 'field_road', 'hayfield', 'oast_house',
    'orchard', 'pasture', 'rice_paddy', 'stable', 'vineyard', 'village', 'wheat_field', 'windmill', 'wind_farm', 'chalet',
  ],
  garden: [
    'botanical_garden', 'formal_garden', 'japanese_garden', 'roof_garden', 'topiary_garden', 'vegetable_garden', 'zen_garden', 'greenhouse/indoor',
    'greenhouse/outdoor', 'lawn', 'yard', 'patio', 'park', 'gazebo/exterior', 'picnic_area', 'orchard',
  ],
  city: [
    'alley', 'apartment_building/outdoor', 'arcade', 'bridge', 'building_facade', 'bus_station/indoor', 'crosswalk', 'downtown', 'fire_escape',
    'highway', 'industrial_area', 'medina', 'office_building', 'parking_garage/outdoor', 'parking_lot', 'plaza', 'promenade',
    'residential_neighborhood', 'shopfront', 'skyscraper', 'slum', 'street', 'tower', 'viaduct', 'water_tower', 'courtyard', 'fountain',
  ],
  home: [
    'alcove', 'attic', 'balcony/exterior', 'balcony/interior', 'basement', 'bathroom', 'bedchamber', 'bedroom', 'bow_window/indoor', 'childs_room',
    'closet', 'dining_room', 'doorway/outdoor', 'dorm_room', 'driveway', 'garage/indoor', 'garage/outdoor', 'home_office', 'home_theater',
    'house', 'kitchen', 'living_room', 'manufactured_home', 'nursery', 'pantry', 'patio', 'playroom', 'porch', 'shower', 'staircase',
    'television_room', 'utility_room', 'wet_bar', 'yard', 'cottage', 'cabin/outdoor', 'chalet', 'mansion', 'artists_loft',
  ],
  food: [
    'bakery/shop', 'banquet_hall', 'bar', 'beer_garden', 'beer_hall', 'butchers_shop', 'cafeteria', 'candy_store', 'coffee_shop', 'delicatessen',
    'diner/outdoor', 'dining_hall', 'dining_room', 'fastfood_restaurant', 'food_court', 'galley', 'ice_cream_parlor', 'kitchen', 'pantry',
    'pizzeria', 'pub/indoor', 'restaurant', 'restaurant_kitchen', 'restaurant_patio', 'supermarket', 'sushi_bar', 'wet_bar', 'market/indoor',
    'market/outdoor',
  ],
  shop: [
    'auto_showroom', 'bakery/shop', 'bazaar/indoor', 'bazaar/outdoor', 'bookstore', 'butchers_shop', 'candy_store', 'clothing_store',
    'delicatessen', 'department_store', 'drugstore', 'fabric_store', 'flea_market/indoor', 'florist_shop/indoor', 'general_store/indoor',
    'general_store/outdoor', 'gift_shop', 'hardware_store', 'jewelry_shop', 'market/indoor', 'market/outdoor', 'pet_shop', 'pharmacy',
    'shoe_shop', 'shopfront', 'shopping_mall/indoor', 'supermarket', 'toyshop', 'beauty_salon', 'laundromat',
  ],
  sport: [
    'arena/hockey', 'arena/rodeo', 'athletic_field/outdoor', 'baseball_field', 'basketball_court/indoor', 'bowling_alley', 'boxing_ring',
    'football_field', 'golf_course', 'gymnasium/indoor', 'ice_skating_rink/indoor', 'ice_skating_rink/outdoor', 'locker_room',
    'martial_arts_gym', 'racecourse', 'raceway', 'ski_resort', 'ski_slope', 'soccer_field', 'stadium/baseball', 'stadium/football',
    'stadium/soccer', 'swimming_pool/indoor', 'swimming_pool/outdoor', 'volleyball_court/outdoor', 'bullring', 'playground',
  ],
  work: [
    'assembly_line', 'auto_factory', 'clean_room', 'computer_room', 'conference_center', 'conference_room', 'construction_site', 'engine_room',
    'home_office', 'industrial_area', 'loading_dock', 'office', 'office_building', 'office_cubicles', 'repair_shop', 'server_room',
    'storage_room', 'television_studio', 'music_studio', 'art_studio', 'biology_laboratory', 'chemistry_lab', 'physics_laboratory',
    'oilrig', 'landfill', 'junkyard', 'excavation', 'reception', 'waiting_room',
  ],
  transport: [
    'airfield', 'airplane_cabin', 'airport_terminal', 'berth', 'boat_deck', 'bus_interior', 'bus_station/indoor', 'car_interior', 'cockpit',
    'crosswalk', 'desert_road', 'driveway', 'escalator/indoor', 'field_road', 'forest_road', 'gas_station', 'hangar/indoor', 'hangar/outdoor',
    'harbor', 'heliport', 'highway', 'landing_deck', 'parking_garage/indoor', 'parking_garage/outdoor', 'parking_lot', 'railroad_track',
    'runway', 'street', 'subway_station/platform', 'ticket_booth', 'train_interior', 'train_station/platform', 'viaduct', 'bridge',
  ],
  religion: [
    'burial_chamber', 'catacomb', 'cemetery', 'church/indoor', 'church/outdoor', 'mausoleum', 'mosque/outdoor', 'pagoda', 'synagogue/outdoor',
    'temple/asia', 'zen_garden',
  ],
  history: [
    'aqueduct', 'arch', 'archaelogical_excavation', 'castle', 'catacomb', 'kasbah', 'mausoleum', 'palace', 'pagoda', 'ruin', 'throne_room',
    'tower', 'lighthouse', 'windmill', 'burial_chamber', 'medina', 'pavilion',
  ],
  culture: [
    'amphitheater', 'aquarium', 'archive', 'arena/performance', 'art_gallery', 'art_school', 'auditorium', 'ballroom', 'discotheque',
    'library/indoor', 'library/outdoor', 'movie_theater/indoor', 'museum/indoor', 'museum/outdoor', 'music_studio', 'natural_history_museum',
    'orchestra_pit', 'science_museum', 'stage/indoor', 'stage/outdoor',
  ],
  leisure: [
    'amusement_arcade', 'amusement_park', 'ball_pit', 'beach', 'campsite', 'carrousel', 'hot_spring', 'jacuzzi/indoor', 'picnic_area',
    'playground', 'playroom', 'recreation_room', 'sandbox', 'sauna', 'water_park', 'ski_resort', 'swimming_hole', 'hotel/outdoor',
    'hotel_room', 'inn/outdoor', 'motel', 'youth_hostel', 'tree_house', 'kennel/outdoor', 'rope_bridge',
  ],
  school: ['art_school', 'campus', 'classroom', 'kindergarden_classroom', 'lecture_room', 'schoolhouse', 'dorm_room', 'library/indoor', 'playground'],
  health: ['hospital', 'hospital_room', 'operating_room', 'nursing_home', 'pharmacy', 'veterinarians_office', 'drugstore'],
  civic: ['army_base', 'courthouse', 'embassy', 'fire_station', 'jail_cell', 'legislative_chamber', 'phone_booth', 'water_tower', 'trench'],
  building: [
    'apartment_building/outdoor', 'building_facade', 'cabin/outdoor', 'castle', 'chalet', 'cottage', 'courthouse', 'embassy', 'hotel/outdoor',
    'house', 'hunting_lodge/outdoor', 'inn/outdoor', 'mansion', 'office_building', 'palace', 'schoolhouse', 'shed', 'skyscraper', 'tower', 'kasbah', 'igloo',
  ],
  interior: [
    'atrium/public', 'corridor', 'elevator/door', 'elevator_lobby', 'elevator_shaft', 'entrance_hall', 'escalator/indoor', 'lobby', 'mezzanine',
    'staircase', 'booth/indoor', 'bank_vault', 'dressing_room', 'shower', 'closet',
  ],
};

/** Synonyms that a person types: mapped to a family or a label. */
export const SYNONYMS: Record<string, string> = {
  sea: 'water', lake: 'water', seaside: 'beach', shore: 'beach', ice: 'snow', winter: 'snow', ski: 'snow', mountains: 'mountain', hills: 'mountain',
  hiking: 'mountain', woods: 'forest', trees: 'forest', jungle: 'forest', landscape: 'nature', outdoors: 'nature', farm: 'countryside',
  rural: 'countryside', fields: 'countryside', urban: 'city', town: 'city', street: 'city', streets: 'city', house: 'home', room: 'home',
  restaurant: 'food', eating: 'food', drink: 'food', drinks: 'food', store: 'shop', shopping: 'shop', shops: 'shop', sports: 'sport',
  stadium: 'sport', gym: 'sport', office: 'work', factory: 'work', travel: 'transport', airport: 'transport', station: 'transport',
  train: 'transport', car: 'transport', road: 'transport', church: 'religion', temple: 'religion', worship: 'religion', historic: 'history',
  monument: 'history', museum: 'culture', art: 'culture', music: 'culture', theater: 'culture', theatre: 'culture', holiday: 'leisure',
  vacation: 'leisure', hotel: 'leisure', party: 'culture', education: 'school', university: 'school', hospital: 'health', medical: 'health',
};

/** Sidebar order: each label is shown under the first family here that lists it. */
export const FAMILY_ORDER = [
  'home', 'food', 'shop', 'work', 'school', 'health', 'sport', 'culture', 'religion', 'history', 'transport', 'city', 'building', 'interior',
  'leisure', 'civic', 'beach', 'water', 'snow', 'mountain', 'forest', 'desert', 'countryside', 'garden', 'nature',
];

export const FAMILY_NAMES = Object.keys(FAMILIES);

/** `transport` → `Transport`. */
export function familyTitle(family: string): string {
  return family.charAt(0).toUpperCase() + family.slice(1);
}
