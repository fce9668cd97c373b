"""Names and places for the synthetic demo register, by naming tradition.

Indonesians name children in many ways: many Javanese carry one name only ("Sukarni", "Paijo");
Batak children take their father's marga; Balinese names tell the birth order (Wayan, Made,
Nyoman, Ketut) after I (men) or Ni (women); families in NTT share a clan name. The lists are
common names, not real people.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tradition:
    """How one tradition names people: given names, and a family name if it passes one on."""

    male: tuple[str, ...]
    female: tuple[str, ...]
    #: Family names passed from father to children (Batak marga, NTT clans); empty when none.
    family: tuple[str, ...] = ()
    #: Second names added to a given name sometimes (Javanese "Budi Santoso").
    second_male: tuple[str, ...] = ()
    second_female: tuple[str, ...] = ()
    #: Share of people who carry one name only.
    one_word: float = 0.0


def _t(text: str) -> tuple[str, ...]:
    return tuple(text.split())


TRADITIONS: dict[str, Tradition] = {
    "javanese": Tradition(
        male=_t(
            "Paijo Suparman Sutrisno Slamet Budi Agus Bambang Sugeng Joko Wahyu Heru Teguh Parmin "
            "Wagiyo Legiman Sukirno Tri Eko Dwi Purwanto Sarno Kasmin Supardi Rudi Yanto Bayu "
            "Aditya Dimas Rizky Fajar Galih"
        ),
        female=_t(
            "Sukarni Tukiyem Painem Sumarni Sri Wahyuni Suharti Endang Lestari Rini Sulastri "
            "Suminah Tuminah Parni Ningsih Dwi Yuni Siti Ayu Putri Dewi Wulan Anisa Nadia Salsa"
        ),
        second_male=_t("Santoso Wibowo Setiawan Prasetyo Nugroho Susilo Riyadi Hartono Saputra"),
        second_female=_t("Wahyuni Lestari Rahayu Handayani Astuti Wulandari Purwanti Ningsih"),
        one_word=0.45,
    ),
    "sundanese": Tradition(
        male=_t("Asep Ujang Dede Cecep Yayan Ade Dadang Iwan Engkus Jajang Deden Ridwan Agus"),
        female=_t("Euis Neng Iis Entin Nining Imas Yati Enung Lilis Nunung Rina Siti Dewi Ayu"),
        second_male=_t("Sunarya Hidayat Supriatna Permana Saepudin Setiawan Kurniawan Mulyana"),
        second_female=_t("Kurniasih Rohmawati Komariah Nurhayati Suryani Rosita Mulyani"),
        one_word=0.15,
    ),
    "batak": Tradition(
        male=_t("Togar Parlindungan Horas Poltak Maruli Binsar Jonggi Sahat Tigor Benny Roy"),
        female=_t("Rumondang Tiurma Lasma Romauli Dameria Rosdiana Nurmala Sondang Debora Ruth"),
        family=_t(
            "Simanjuntak Siregar Nasution Hutapea Sitorus Simatupang Pardede Lubis Situmorang "
            "Sinaga Panjaitan Hutagalung Manurung Sihombing"
        ),
    ),
    "minang": Tradition(
        male=_t("Syafrizal Afrizal Zulkifli Rizal Yusrizal Hendri Firdaus Alfian Irwan Fauzan"),
        female=_t("Yusnidar Nurhayati Elfi Yulia Rosmaini Desmawati Nofrianti Yenti Rahmi Zahra"),
        second_male=_t("Chaniago Piliang Koto Tanjung Sikumbang"),
        second_female=_t("Chaniago Piliang Koto Tanjung Sikumbang"),
        one_word=0.5,
    ),
    "bugis": Tradition(
        male=_t("Baso Hasanuddin Sudirman Arsyad Syamsuddin Mappiare Rusdi Amiruddin Arfan"),
        female=_t("Hasnah Nurhaedah Husniah Becce Sitti Rahmatia Hasmawati Nurbaya Ratna"),
        second_male=_t("Andi Daeng Muh."),
        second_female=_t("Andi Sitti"),
        one_word=0.55,
    ),
    "balinese": Tradition(
        male=_t("Sudarma Suartana Arimbawa Wiratama Mahendra Sukadana Parwata Dharma"),
        female=_t("Ariani Suartini Wahyuni Sukerti Astiti Darmayanti Purnami Sriasih"),
    ),
    "ntt": Tradition(
        male=_t("Yohanes Fransiskus Agustinus Petrus Yosef Markus Stefanus Paulus Kornelis"),
        female=_t("Maria Yosefina Theresia Veronika Agnes Elisabeth Martha Kristina Yuliana"),
        family=_t("Ndun Bria Seran Lake Mau Tefa Nahak Bere Fanggidae Pello Klau Leki"),
    ),
    "general": Tradition(
        male=_t("Muhammad Ahmad Rizki Fauzi Hendra Ilham Arif Yusuf Hadi Irfan Andi Reza"),
        female=_t("Nur Aini Dewi Fitri Indah Rahmawati Siti Nurul Rina Maya Putri Ayu"),
        second_male=_t("Fauzi Hidayat Ramadhan Maulana Saputra Kurniawan Firmansyah Pratama"),
        second_female=_t("Aini Lestari Rahmawati Fitriani Safitri Oktaviani Anggraini Puspita"),
        one_word=0.1,
    ),
}

#: Naming traditions by province code, with weights; other provinces use ``MIXED``.
BY_PROVINCE: dict[str, dict[str, float]] = {
    "12": {"batak": 6, "javanese": 2, "general": 2},
    "13": {"minang": 9, "general": 1},
    "32": {"sundanese": 8, "javanese": 1, "general": 1},
    "33": {"javanese": 9, "general": 1},
    "34": {"javanese": 9, "general": 1},
    "35": {"javanese": 9, "general": 1},
    "36": {"sundanese": 5, "general": 3, "javanese": 2},
    "51": {"balinese": 9, "javanese": 1},
    "53": {"ntt": 9, "general": 1},
    "73": {"bugis": 8, "general": 2},
}
MIXED = {"javanese": 4, "sundanese": 2, "general": 3, "batak": 1, "minang": 1, "bugis": 1}
MIXED |= {"balinese": 0.5, "ntt": 0.5}

BALINESE_ORDER = ("Wayan", "Made", "Nyoman", "Ketut")
STREETS = _t(
    "Melati Mawar Kenanga Flamboyan Merdeka Diponegoro Sudirman Pahlawan Kartini Cempaka Anggrek "
    "Nangka Mangga Rambutan Masjid Pasar Veteran Hasanuddin Cendana Beringin Kamboja Dahlia"
)
