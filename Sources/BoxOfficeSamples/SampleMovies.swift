import Catalog

/// Forty films for the sample catalog: well-known titles in the languages Indian cinemas show,
/// with their real genres, runtimes and leads. Four are "coming soon" (released after `today`).
enum SampleMovies {
    struct Film {
        var title: String
        var originalTitle: String?
        var genres: [String]
        var languages: [String]
        var formats: [String]
        var runtime: Int
        var certification: String
        var year: Int
        var cast: [String]
    }

    static let films: [Film] = [
        Film(title: "Interstellar", genres: ["Sci-Fi", "Drama"], languages: ["English", "Hindi"], formats: ["2D", "IMAX"], runtime: 169, certification: "UA", year: 2014, cast: ["Matthew McConaughey", "Anne Hathaway", "Jessica Chastain"]),
        Film(title: "Inception", genres: ["Sci-Fi", "Action"], languages: ["English"], formats: ["2D", "IMAX"], runtime: 148, certification: "UA", year: 2010, cast: ["Leonardo DiCaprio", "Joseph Gordon-Levitt", "Elliot Page"]),
        Film(title: "The Dark Knight", genres: ["Action", "Crime"], languages: ["English"], formats: ["2D", "IMAX"], runtime: 152, certification: "UA", year: 2008, cast: ["Christian Bale", "Heath Ledger"]),
        Film(title: "Oppenheimer", genres: ["Drama", "History"], languages: ["English", "Hindi"], formats: ["2D", "IMAX"], runtime: 180, certification: "UA", year: 2023, cast: ["Cillian Murphy", "Emily Blunt", "Robert Downey Jr."]),
        Film(title: "Dune: Part Two", genres: ["Sci-Fi", "Adventure"], languages: ["English"], formats: ["2D", "IMAX"], runtime: 166, certification: "UA", year: 2024, cast: ["Timothée Chalamet", "Zendaya"]),
        Film(title: "Amélie", originalTitle: "Le Fabuleux Destin d'Amélie Poulain", genres: ["Comedy", "Romance"], languages: ["French"], formats: ["2D"], runtime: 122, certification: "UA", year: 2001, cast: ["Audrey Tautou", "Mathieu Kassovitz"]),
        Film(title: "Parasite", originalTitle: "Gisaengchung", genres: ["Thriller", "Drama"], languages: ["Korean"], formats: ["2D"], runtime: 132, certification: "A", year: 2019, cast: ["Song Kang-ho", "Choi Woo-shik"]),
        Film(title: "Spirited Away", originalTitle: "Sen to Chihiro no Kamikakushi", genres: ["Animation", "Fantasy"], languages: ["Japanese", "English"], formats: ["2D"], runtime: 125, certification: "U", year: 2001, cast: ["Rumi Hiiragi", "Miyu Irino"]),
        Film(title: "3 Idiots", genres: ["Comedy", "Drama"], languages: ["Hindi"], formats: ["2D"], runtime: 171, certification: "U", year: 2009, cast: ["Aamir Khan", "R. Madhavan", "Sharman Joshi", "Kareena Kapoor"]),
        Film(title: "Dangal", genres: ["Drama", "Sport"], languages: ["Hindi", "Tamil"], formats: ["2D"], runtime: 161, certification: "U", year: 2016, cast: ["Aamir Khan", "Fatima Sana Shaikh", "Sanya Malhotra"]),
        Film(title: "Lagaan", genres: ["Drama", "Sport"], languages: ["Hindi"], formats: ["2D"], runtime: 224, certification: "U", year: 2001, cast: ["Aamir Khan", "Gracy Singh"]),
        Film(title: "RRR", genres: ["Action", "Drama"], languages: ["Telugu", "Hindi", "Tamil"], formats: ["2D", "3D", "IMAX"], runtime: 182, certification: "UA", year: 2022, cast: ["N. T. Rama Rao Jr.", "Ram Charan", "Alia Bhatt"]),
        Film(title: "Baahubali: The Beginning", genres: ["Action", "Fantasy"], languages: ["Telugu", "Hindi", "Tamil"], formats: ["2D", "3D"], runtime: 159, certification: "UA", year: 2015, cast: ["Prabhas", "Rana Daggubati", "Anushka Shetty"]),
        Film(title: "Baahubali 2: The Conclusion", genres: ["Action", "Fantasy"], languages: ["Telugu", "Hindi", "Tamil"], formats: ["2D", "3D", "IMAX"], runtime: 167, certification: "UA", year: 2017, cast: ["Prabhas", "Rana Daggubati", "Anushka Shetty"]),
        Film(title: "KGF: Chapter 2", genres: ["Action", "Crime"], languages: ["Kannada", "Hindi"], formats: ["2D", "IMAX"], runtime: 168, certification: "UA", year: 2022, cast: ["Yash", "Sanjay Dutt", "Srinidhi Shetty"]),
        Film(title: "Kantara", genres: ["Thriller", "Drama"], languages: ["Kannada", "Hindi"], formats: ["2D"], runtime: 148, certification: "UA", year: 2022, cast: ["Rishab Shetty", "Sapthami Gowda"]),
        Film(title: "Vikram", genres: ["Action", "Thriller"], languages: ["Tamil", "Hindi"], formats: ["2D"], runtime: 174, certification: "A", year: 2022, cast: ["Kamal Haasan", "Vijay Sethupathi", "Fahadh Faasil"]),
        Film(title: "Jailer", genres: ["Action", "Comedy"], languages: ["Tamil", "Telugu"], formats: ["2D"], runtime: 168, certification: "UA", year: 2023, cast: ["Rajinikanth", "Mohanlal", "Ramya Krishnan"]),
        Film(title: "Pushpa: The Rise", genres: ["Action", "Crime"], languages: ["Telugu", "Hindi"], formats: ["2D"], runtime: 179, certification: "UA", year: 2021, cast: ["Allu Arjun", "Rashmika Mandanna", "Fahadh Faasil"]),
        Film(title: "Drishyam", genres: ["Thriller", "Crime"], languages: ["Malayalam", "Hindi"], formats: ["2D"], runtime: 160, certification: "UA", year: 2013, cast: ["Mohanlal", "Meena"]),
        Film(title: "Premam", genres: ["Romance", "Comedy"], languages: ["Malayalam"], formats: ["2D"], runtime: 156, certification: "U", year: 2015, cast: ["Nivin Pauly", "Sai Pallavi"]),
        Film(title: "Sairat", genres: ["Romance", "Drama"], languages: ["Marathi"], formats: ["2D"], runtime: 174, certification: "UA", year: 2016, cast: ["Rinku Rajguru", "Akash Thosar"]),
        Film(title: "Natsamrat", genres: ["Drama"], languages: ["Marathi"], formats: ["2D"], runtime: 166, certification: "U", year: 2016, cast: ["Nana Patekar", "Medha Manjrekar"]),
        Film(title: "Queen", genres: ["Comedy", "Drama"], languages: ["Hindi"], formats: ["2D"], runtime: 146, certification: "UA", year: 2014, cast: ["Kangana Ranaut", "Rajkummar Rao"]),
        Film(title: "Andhadhun", genres: ["Thriller", "Comedy"], languages: ["Hindi"], formats: ["2D"], runtime: 139, certification: "UA", year: 2018, cast: ["Ayushmann Khurrana", "Tabu", "Radhika Apte"]),
        Film(title: "Gully Boy", genres: ["Drama", "Music"], languages: ["Hindi"], formats: ["2D"], runtime: 153, certification: "UA", year: 2019, cast: ["Ranveer Singh", "Alia Bhatt"]),
        Film(title: "Jawan", genres: ["Action", "Thriller"], languages: ["Hindi", "Tamil", "Telugu"], formats: ["2D", "IMAX"], runtime: 169, certification: "UA", year: 2023, cast: ["Shah Rukh Khan", "Nayanthara", "Vijay Sethupathi"]),
        Film(title: "Pathaan", genres: ["Action", "Thriller"], languages: ["Hindi", "Tamil", "Telugu"], formats: ["2D", "IMAX"], runtime: 146, certification: "UA", year: 2023, cast: ["Shah Rukh Khan", "Deepika Padukone", "John Abraham"]),
        Film(title: "Zindagi Na Milegi Dobara", genres: ["Comedy", "Drama"], languages: ["Hindi"], formats: ["2D"], runtime: 155, certification: "UA", year: 2011, cast: ["Hrithik Roshan", "Farhan Akhtar", "Abhay Deol", "Katrina Kaif"]),
        Film(title: "Taare Zameen Par", genres: ["Drama", "Family"], languages: ["Hindi"], formats: ["2D"], runtime: 165, certification: "U", year: 2007, cast: ["Darsheel Safary", "Aamir Khan"]),
        Film(title: "Avatar: The Way of Water", genres: ["Sci-Fi", "Adventure"], languages: ["English", "Hindi"], formats: ["2D", "3D", "IMAX"], runtime: 192, certification: "UA", year: 2022, cast: ["Sam Worthington", "Zoe Saldaña", "Sigourney Weaver"]),
        Film(title: "Top Gun: Maverick", genres: ["Action", "Drama"], languages: ["English"], formats: ["2D", "IMAX"], runtime: 131, certification: "UA", year: 2022, cast: ["Tom Cruise", "Miles Teller", "Jennifer Connelly"]),
        Film(title: "Everything Everywhere All at Once", genres: ["Sci-Fi", "Comedy"], languages: ["English"], formats: ["2D"], runtime: 139, certification: "A", year: 2022, cast: ["Michelle Yeoh", "Ke Huy Quan", "Jamie Lee Curtis"]),
        Film(title: "Spider-Man: Across the Spider-Verse", genres: ["Animation", "Action"], languages: ["English", "Hindi"], formats: ["2D", "3D"], runtime: 140, certification: "U", year: 2023, cast: ["Shameik Moore", "Hailee Steinfeld"]),
        Film(title: "The Lion King", genres: ["Animation", "Family"], languages: ["English", "Hindi"], formats: ["2D", "3D"], runtime: 118, certification: "U", year: 2019, cast: ["Donald Glover", "Beyoncé"]),
        Film(title: "Coco", genres: ["Animation", "Family"], languages: ["English", "Hindi"], formats: ["2D", "3D"], runtime: 105, certification: "U", year: 2017, cast: ["Anthony Gonzalez", "Gael García Bernal"]),
        Film(title: "Mission: Stellar Drift", genres: ["Sci-Fi", "Action"], languages: ["English", "Hindi"], formats: ["2D", "IMAX"], runtime: 151, certification: "UA", year: 0, cast: ["Asha Verma", "Daniel Okafor"]),
        Film(title: "Monsoon Letters", genres: ["Romance", "Drama"], languages: ["Hindi"], formats: ["2D"], runtime: 128, certification: "U", year: 0, cast: ["Meera Iyer", "Kabir Sethi"]),
        Film(title: "The Last Ferry to Elephanta", genres: ["Thriller"], languages: ["Hindi", "English"], formats: ["2D"], runtime: 134, certification: "UA", year: 0, cast: ["Rohan Desai", "Ananya Pillai"]),
        Film(title: "Chennai Express Lane", genres: ["Comedy"], languages: ["Tamil", "Hindi"], formats: ["2D"], runtime: 122, certification: "U", year: 0, cast: ["Vijay Raman", "Lakshmi Nair"]),
    ]
}
